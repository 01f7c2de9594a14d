// The example schema examples/data/arena.toml, loaded once for the data-layer tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "theta_net/data/data_schema.hpp"

namespace theta_net::data::testing {

inline std::string arena_toml() {
  // One literal (the macro is a string literal): GCC 12 at -O3 warns falsely on string + char*.
  std::ifstream in(THETA_SOURCE_DIR "/examples/data/arena.toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::shared_ptr<const DataSchema> arena_schema() {
  static const std::shared_ptr<const DataSchema> schema = [] {
    auto parsed = DataSchema::from_toml(arena_toml());
    if (!parsed.ok()) ADD_FAILURE() << parsed.error().describe();
    return parsed.ok() ? *parsed : nullptr;
  }();
  return schema;
}

}  // namespace theta_net::data::testing
