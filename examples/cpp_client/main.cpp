// A client-side program linked with theta_net::client alone: it reads a data schema the way a
// client receives one in a full sync, checks that its canonical text reads back to the same
// schema, and prints the hash a server would compare.
#include <cstdio>
#include <theta_net/data/data_schema.hpp>
#include <theta_net/version.hpp>

namespace {

constexpr const char* kSchema = R"(
[schema]
name = "arena"
version = "1.1"

[[table]]
name = "players"

[[table.component]]
name = "health"
fields = [
  { name = "hp", type = "int", min = 0, max = 100, default = 100 },
  { name = "title", type = "string", max = 32, since = "1.1" },
]
)";

}  // namespace

int main() {
  using theta_net::data::DataSchema;
  std::printf("theta_net %s\n", theta_net::kVersionString);
  auto schema = DataSchema::from_toml(kSchema);
  if (!schema) {
    std::printf("schema refused: %s\n", schema.error().message.c_str());
    std::printf("theta_net client example: FAILED\n");
    return 1;
  }
  const DataSchema& parsed = **schema;
  std::printf("schema %s %u.%u: %zu table(s), hash %016llx\n", parsed.name().c_str(),
              static_cast<unsigned>(parsed.major()), static_cast<unsigned>(parsed.minor()),
              parsed.tables().size(), static_cast<unsigned long long>(parsed.hash()));
  auto again = DataSchema::from_toml(parsed.to_toml());
  const bool ok = again && **again == parsed && (*again)->hash() == parsed.hash();
  std::printf("theta_net client example: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
