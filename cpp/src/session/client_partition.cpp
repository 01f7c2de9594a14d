#include "theta_net/session/client_partition.hpp"

namespace theta_net::session {

Status check_partition(const std::optional<ClientPartition>& partition, std::size_t clients) {
  if (!partition) return {};
  if (partition->client >= clients) {
    return make_error(ErrorCode::kInvalidArgument, "the partition names c", partition->client,
                      " but the clients are c0..c", clients - 1);
  }
  if (partition->start < Micros{0} || partition->length <= Micros{0}) {
    return make_error(ErrorCode::kInvalidArgument,
                      "a partition needs a start >= 0 and a positive length");
  }
  return {};
}

transport::LinkConfig partitioned_link(transport::LinkConfig link,
                                       const std::optional<ClientPartition>& partition,
                                       std::size_t index) {
  if (partition && partition->client == index) {
    link.partitions.push_back(
        transport::Partition{Nanos(partition->start), Nanos(partition->start + partition->length)});
  }
  return link;
}

}  // namespace theta_net::session
