#include "theta_net/netcode/correction_smoother.hpp"

namespace theta_net::netcode {

void CorrectionSmoother::on_correction(const Vec3& before, const Vec3& after) {
  Vec3 offset{offset_.x + before.x - after.x, offset_.y + before.y - after.y,
              offset_.z + before.z - after.z};
  offset_ = distance(offset, {}) > snap_distance_ ? Vec3{} : offset;
}

void CorrectionSmoother::tick() {
  offset_ = {offset_.x * keep_, offset_.y * keep_, offset_.z * keep_};
  // Below 1/1024 block nobody sees it; end the glide exactly.
  if (remaining() < Fx::from_ratio(1, 1024)) offset_ = {};
}

Vec3 CorrectionSmoother::render(const Vec3& s) const {
  return {s.x + offset_.x, s.y + offset_.y, s.z + offset_.z};
}

Fx CorrectionSmoother::remaining() const {
  return distance(offset_, {});
}

}  // namespace theta_net::netcode
