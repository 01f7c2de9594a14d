// The deterministic scene of the snapshot-compression benchmark (docs/benchmarks.md): 900
// cubes resting in a stepped pile and one driven body pushing through it, in the setting of
// Glenn Fiedler's "Snapshot Compression" (2015): positions at 1/512 unit in (+-256, +-256,
// 0..32), orientations as smallest-three quaternions at 9 bits per component, an "interacting"
// flag, 60 snapshots a second.
//
// The physics is deliberately simple and fully deterministic (one thread, fixed order, no
// random draws): position-based dynamics (gravity, ground, pairwise push-out, 2 substeps x 4
// iterations); cubes tumble as they slide (angular velocity from their ground velocity), slow
// by friction, and sleep after 40 still substeps (as physics engines do) until something awake
// pushes into them. The driven body (a sphere of radius 1.5, kinematic) waits 1 s, then drives
// at 4 units/s along a path through the pile and back.
//
// Two contact models. Contact::kFaces (the benchmark's scene) collides cubes as unit boxes,
// axis aligned whatever their orientation (which is only drawn), pushed apart along the axis
// of least overlap: stacks stand face on face, and a pushed row moves as one. Contact::kSpheres
// collides them as spheres of radius 0.5: stacked spheres roll off one another and nest in the
// hollows between the spheres below, so the pile flows like marbles (a busier stress scene).
// The driver's path can be turned about the pile's centre (path_degrees).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace theta_net::bench {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  Vec3 operator+(Vec3 o) const { return {x + o.x, y + o.y, z + o.z}; }
  Vec3 operator-(Vec3 o) const { return {x - o.x, y - o.y, z - o.z}; }
  Vec3 operator*(double k) const { return {x * k, y * k, z * k}; }
  double dot(Vec3 o) const { return x * o.x + y * o.y + z * o.z; }
  double length() const { return std::sqrt(dot(*this)); }
};

struct Quat {
  double x = 0, y = 0, z = 0, w = 1;
};

struct Body {
  Vec3 position, velocity, spin;  // spin: angular velocity (rad/s)
  Quat orientation;
  double radius = 0.5;
  bool awake = false;
  bool interacting = false;
  bool supported = false;  // touched the ground or another body this substep
  int still_steps = 0;
};

enum class Contact { kFaces, kSpheres };

struct FiedlerSceneConfig {
  Contact contact = Contact::kFaces;
  double path_degrees = 0;  // the driver's path turned counter-clockwise about the origin
};

class FiedlerScene {
 public:
  static constexpr int kCubes = 900;
  static constexpr double kDt = 1.0 / 60;
  static constexpr double kDriverRadius = 1.5;
  static constexpr double kDriverSpeed = 4.0;
  static constexpr double kFriction = 0.85;  // per 120 Hz substep on a resting contact
  static constexpr double kPi = 3.14159265358979;

  explicit FiedlerScene(FiedlerSceneConfig config = {})
      : config_(config),
        path_cos_(std::cos(config.path_degrees * kPi / 180)),
        path_sin_(std::sin(config.path_degrees * kPi / 180)) {
    // A stepped pile of unit cubes stacked face on face: 20x20, 18x18, 12x12 and 8x4 layers.
    const int layers[][2] = {{20, 20}, {18, 18}, {12, 12}, {8, 4}};
    int layer_index = 0;
    for (const auto& [nx, ny] : layers) {
      const double z = 0.5 + layer_index;
      for (int i = 0; i < nx; ++i) {
        for (int j = 0; j < ny; ++j) {
          Body b;
          b.position = {i - (nx - 1) / 2.0, j - (ny - 1) / 2.0, z};
          bodies_.push_back(b);
        }
      }
      ++layer_index;
    }
    Body driver;
    driver.radius = kDriverRadius;
    driver.awake = true;
    driver.position = path(0);
    bodies_.push_back(driver);
  }

  const std::vector<Body>& bodies() const { return bodies_; }
  int tick() const { return tick_; }

  // Advances one 60 Hz step.
  void step() {
    ++tick_;
    const double t = tick_ * kDt;
    Body& driver = bodies_.back();
    const Vec3 before = driver.position;
    driver.position = path(t);
    const Vec3 moved = driver.position - before;
    driver.velocity = moved * (1 / kDt);
    roll(driver, driver.velocity, kDt);
    for (int sub = 0; sub < 2; ++sub) substep(kDt / 2, before + moved * ((sub + 1) / 2.0));
    for (std::size_t i = 0; i + 1 < bodies_.size(); ++i) {
      Body& b = bodies_[i];
      b.interacting = (b.position - driver.position).length() < b.radius + kDriverRadius + 0.05;
    }
  }

 private:
  // The driver's path: still for 1 s, then across the pile along x at y = -1.5, a U-turn, and
  // back at y = 1.5; turned by path_degrees.
  Vec3 path(double t) const {
    const Vec3 p = unturned_path(t);
    return {p.x * path_cos_ - p.y * path_sin_, p.x * path_sin_ + p.y * path_cos_, p.z};
  }
  static Vec3 unturned_path(double t) {
    const double z = kDriverRadius;
    const double s = std::max(0.0, t - 1.0) * kDriverSpeed;  // distance travelled
    const double leg = 36.0, turn_r = 1.5, turn = kPi * turn_r;
    if (s < leg) return {-18.0 + s, -1.5, z};
    if (s < leg + turn) {
      const double a = (s - leg) / turn_r;
      return {18.0 + turn_r * std::sin(a), -1.5 + turn_r - turn_r * std::cos(a), z};
    }
    return {18.0 - std::min(s - leg - turn, 2 * leg), 1.5, z};
  }

  static void roll(Body& b, Vec3 v, double dt) {
    // Rolling on the ground: spin about (up x v) at |v| / r.
    b.spin = Vec3{-v.y, v.x, 0} * (1 / b.radius);
    integrate_orientation(b, dt);
  }

  static void integrate_orientation(Body& b, double dt) {
    const Vec3 w = b.spin;
    Quat& q = b.orientation;
    const Quat dq{0.5 * dt * (w.x * q.w + w.y * q.z - w.z * q.y),
                  0.5 * dt * (w.y * q.w + w.z * q.x - w.x * q.z),
                  0.5 * dt * (w.z * q.w + w.x * q.y - w.y * q.x),
                  -0.5 * dt * (w.x * q.x + w.y * q.y + w.z * q.z)};
    q = {q.x + dq.x, q.y + dq.y, q.z + dq.z, q.w + dq.w};
    const double len = std::sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
    q = {q.x / len, q.y / len, q.z / len, q.w / len};
  }

  static std::int64_t cell_key(Vec3 p) {
    const auto c = [](double v) { return static_cast<std::int64_t>(std::floor(v)) + (1 << 20); };
    return (c(p.x) << 42) | (c(p.y) << 21) | c(p.z);
  }

  void substep(double dt, Vec3 driver_at) {
    const std::size_t n = bodies_.size() - 1;
    std::vector<Vec3> start(n);
    for (std::size_t i = 0; i < n; ++i) {
      Body& b = bodies_[i];
      start[i] = b.position;
      b.supported = false;
      if (!b.awake) continue;
      b.velocity.z -= 9.8 * dt;
      b.position = b.position + b.velocity * dt;
    }
    // Cells of 1 unit: only neighbouring cells can touch (radius 0.5). Lists are built in
    // index order, so the solver's order never depends on the hash map.
    grid_.clear();
    for (std::size_t i = 0; i < n; ++i) grid_[cell_key(bodies_[i].position)].push_back(i);
    for (int iteration = 0; iteration < 4; ++iteration) {
      for (std::size_t i = 0; i < n; ++i) {
        Body& a = bodies_[i];
        if (!a.awake) continue;
        for (int dx = -1; dx <= 1; ++dx) {
          for (int dy = -1; dy <= 1; ++dy) {
            for (int dz = -1; dz <= 1; ++dz) {
              auto it = grid_.find(cell_key(a.position + Vec3{double(dx), double(dy), double(dz)}));
              if (it == grid_.end()) continue;
              for (std::size_t j : it->second) {
                if (j != i) separate(a, bodies_[j], config_.contact);
              }
            }
          }
        }
        push_out_of_driver(a, driver_at);
        if (a.position.z < a.radius + 1e-3) {
          a.position.z = std::max(a.position.z, a.radius);
          a.supported = true;
        }
      }
      // Sleeping bodies pushed by the driver wake up.
      for (std::size_t i = 0; i < n; ++i) {
        if (!bodies_[i].awake) push_out_of_driver(bodies_[i], driver_at);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      Body& b = bodies_[i];
      if (!b.awake) continue;
      b.velocity = (b.position - start[i]) * (1 / dt);
      if (b.supported) {
        // Cubes lie on faces: resting contact (ground or another cube) brakes sliding and
        // tumbling hard, unlike spheres, which would roll on.
        b.velocity.x *= kFriction;
        b.velocity.y *= kFriction;
        roll(b, b.velocity * 0.5, dt);
      } else {
        b.spin = b.spin * 0.995;
        integrate_orientation(b, dt);
      }
      const bool still = b.velocity.length() < 0.08;
      b.still_steps = still ? b.still_steps + 1 : 0;
      if (b.still_steps >= 40) {  // 20 steps of 60 Hz, in substeps
        b.awake = false;
        b.velocity = b.spin = {};
      }
    }
  }

  // The contact normal (from a towards b) and depth of two cubes, if they touch. Cubes only:
  // the driver (radius 1.5) pushes out by push_out_of_driver.
  static bool contact_of(const Body& a, const Body& b, Contact contact, Vec3& normal,
                         double& depth) {
    const Vec3 d = b.position - a.position;
    if (contact == Contact::kSpheres) {
      const double dist = d.length(), min = a.radius + b.radius;
      if (dist >= min || dist < 1e-9) return false;
      normal = d * (1 / dist);
      depth = min - dist;
      return true;
    }
    const double px = 1 - std::abs(d.x), py = 1 - std::abs(d.y), pz = 1 - std::abs(d.z);
    if (px <= 0 || py <= 0 || pz <= 0) return false;
    const auto sign = [](double v) { return v >= 0 ? 1.0 : -1.0; };
    if (pz <= px && pz <= py) {
      normal = {0, 0, sign(d.z)}, depth = pz;
    } else if (px <= py) {
      normal = {sign(d.x), 0, 0}, depth = px;
    } else {
      normal = {0, sign(d.y), 0}, depth = py;
    }
    return true;
  }

  static void separate(Body& a, Body& b, Contact contact) {
    Vec3 normal;
    double depth = 0;
    if (!contact_of(a, b, contact, normal, depth)) return;
    if (normal.z > 0.3) b.supported = true;  // a rests on b, or b on a
    if (normal.z < -0.3) a.supported = true;
    if (!b.awake) {
      if (depth < 0.02) {  // resting on a sleeper: the sleeper holds
        a.position = a.position - normal * depth;
        return;
      }
      b.awake = true;
      b.still_steps = 0;
    }
    a.position = a.position - normal * (depth / 2);
    b.position = b.position + normal * (depth / 2);
  }

  static void push_out_of_driver(Body& b, Vec3 driver_at) {
    const Vec3 d = b.position - driver_at;
    const double dist = d.length(), min = b.radius + kDriverRadius;
    if (dist >= min || dist < 1e-9) return;
    b.position = b.position + d * ((min - dist) / dist);
    b.awake = true;
    b.still_steps = 0;
  }

  FiedlerSceneConfig config_;
  double path_cos_, path_sin_;
  std::vector<Body> bodies_;
  std::unordered_map<std::int64_t, std::vector<std::size_t>> grid_;
  int tick_ = 0;
};

}  // namespace theta_net::bench
