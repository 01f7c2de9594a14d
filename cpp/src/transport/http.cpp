#include "theta_net/transport/http.hpp"

namespace theta_net::transport {

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
