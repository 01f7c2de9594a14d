#include "theta_net/collab/author_sequences.hpp"

namespace theta_net::collab {

std::uint64_t AuthorSequences::expected(const Ed25519PublicKey& author) const {
  const auto it = authors_.find(author);
  return it == authors_.end() ? 1 : it->second.next;
}

Status AuthorSequences::take(const Ed25519PublicKey& author, std::uint64_t sequence) {
  const std::uint64_t want = expected(author);
  if (sequence != want) {
    return make_error(ErrorCode::kOutOfRange, "expected sequence ", want, ", got ", sequence,
                      sequence < want ? " (a repeat)" : " (a gap)");
  }
  authors_[author].next = want + 1;
  return {};
}

void AuthorSequences::set_expected(const Ed25519PublicKey& author, std::uint64_t next) {
  authors_[author].next = next;
}

std::uint64_t AuthorSequences::last_lamport(const Ed25519PublicKey& author) const {
  const auto it = authors_.find(author);
  return it == authors_.end() ? 0 : it->second.last_lamport;
}

void AuthorSequences::set_last_lamport(const Ed25519PublicKey& author, std::uint64_t lamport) {
  authors_[author].last_lamport = lamport;
}

std::vector<AuthorState> AuthorSequences::list() const {
  std::vector<AuthorState> out;
  out.reserve(authors_.size());
  for (const auto& [key, a] : authors_) out.push_back(AuthorState{key, a.next, a.last_lamport});
  return out;
}

}  // namespace theta_net::collab
