#include "theta_net/transport/http.hpp"

#include <algorithm>
#include <cctype>

namespace theta_net::transport {

bool http_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view http_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (h.name == name) return std::string_view(h.value);
  }
  return std::nullopt;
}

std::string_view HttpRequest::route() const {
  const std::string_view p = path;
  return p.substr(0, p.find('?'));
}

HttpResponse http_text(int status, std::string_view text, std::string_view content_type) {
  HttpResponse r;
  r.status = status;
  r.body.assign(text.begin(), text.end());
  r.add_header("content-type", std::string(content_type));
  return r;
}

}  // namespace theta_net::transport
