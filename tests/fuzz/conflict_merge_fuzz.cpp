// Fuzzes the conflict merges and the ConflictResolver. The input's first byte picks a part:
//  - merges: three texts (or numbers) from the input through merge:text, merge:set and
//    merge:counter; each must give the same value twice, text must give mine when theirs is
//    base and theirs when mine is base, a set may hold only elements of mine or theirs and none
//    that either side removed, and a counter stays in its field's range;
//  - resolver: a program of commands (author, Lamport clock, how far behind its base is, field
//    writes and removals of a schema using every strategy) resolved and committed into a store;
//    every resolution a store must take, and running the program twice must give the same
//    store and the same conflict log, byte for byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "fuzz_program.hpp"
#include "theta_net/collab/conflict_reference_merges.hpp"
#include "theta_net/collab/conflict_resolver.hpp"
#include "theta_net/data/data_schema.hpp"

namespace {

using namespace theta_net;
using data::Value;
using fuzzing::Input;

void require(bool condition) {
  if (!condition) std::abort();
}

data::FieldSpec text_field(std::uint32_t max) {
  data::FieldSpec f;
  f.name = "t";
  f.type = data::FieldType::kString;
  f.max_bytes = max;
  f.default_value = std::string();
  return f;
}

// A short text of lines from a small alphabet, so lines repeat and match often.
std::string text_from(Input& in) {
  std::string text;
  const std::size_t n = in.byte() % 24;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = in.byte();
    text += (b & 3) == 0 ? '\n' : static_cast<char>('a' + (b >> 2) % 4);
  }
  return text;
}

std::set<std::string_view> elements(std::string_view text) {
  std::set<std::string_view> out;
  for (auto line : collab::split_lines(text)) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

void fuzz_merges(Input& in) {
  const data::FieldSpec field = text_field(4096);
  const Value base = text_from(in), mine = text_from(in), theirs = text_from(in);

  auto merged = collab::merge_text(field, base, mine, theirs);
  require(merged.has_value() && merged == collab::merge_text(field, base, mine, theirs));
  require(collab::merge_text(field, base, mine, base) == mine);
  require(collab::merge_text(field, base, base, theirs) == theirs);

  auto set = collab::merge_set(field, base, mine, theirs);
  require(set.has_value() && set == collab::merge_set(field, base, mine, theirs));
  const auto in_base = elements(std::get<std::string>(base));
  const auto in_mine = elements(std::get<std::string>(mine));
  const auto in_theirs = elements(std::get<std::string>(theirs));
  for (std::string_view element : elements(std::get<std::string>(*set))) {
    require(in_mine.count(element) != 0 || in_theirs.count(element) != 0);
    require(in_base.count(element) == 0 ||
            (in_mine.count(element) != 0 && in_theirs.count(element) != 0));
  }

  const auto lo = static_cast<std::int64_t>(in.number()) - 300;
  const auto hi = lo + static_cast<std::int64_t>(in.number());
  const data::FieldSpec counter = fuzzing::int_field("n", lo, hi);
  auto number = [&] { return static_cast<std::int64_t>(in.number()) - 500; };
  auto sum = collab::merge_counter(counter, Value{number()}, Value{number()}, Value{number()});
  require(sum.has_value());
  const auto value = std::get<std::int64_t>(*sum);
  require(value >= lo && value <= hi);
}

std::shared_ptr<const data::DataSchema> resolver_schema() {
  auto schema = data::DataSchema::from_toml(R"([schema]
name = "fuzz"
version = "1.0"
[[table]]
name = "docs"
conflict = "lww"
[[table.component]]
name = "meta"
fields = [
  { name = "title", type = "string", max = 16 },
  { name = "owner", type = "int", min = 0, max = 9, conflict = "server" },
  { name = "votes", type = "int", min = -50, max = 50, conflict = "merge:counter" },
  { name = "tags", type = "string", max = 24, conflict = "merge:set" },
  { name = "body", type = "string", max = 32, conflict = "merge:text" },
  { name = "mix", type = "int", min = 0, max = 9, conflict = "merge:mix" },
]
[[table.component]]
name = "extra"
fields = [{ name = "x", type = "int", min = 0, max = 255 }]
)");
  require(schema.ok());
  return *schema;
}

struct Outcome {
  Bytes store;
  std::string log;
};

Outcome run_program(const std::shared_ptr<const data::DataSchema>& schema, const std::uint8_t* data,
                    std::size_t size) {
  Input in(data, size);
  in.byte();  // the part selector
  collab::ConflictResolverConfig config;
  config.history.max_writes_per_field = 1 + in.byte() % 4;
  config.history.max_fields = 1 + in.byte() % 16;
  config.log_capacity = in.byte() % 32;
  collab::ConflictResolver resolver(schema, config);
  if (in.byte() % 2 == 0) {
    require(resolver.merges()
                .add("mix",
                     [](const data::FieldSpec&, const Value& base, const Value& mine,
                        const Value& theirs) -> std::optional<Value> {
                       const auto m = std::get<std::int64_t>(mine);
                       const auto t = std::get<std::int64_t>(theirs);
                       if (m == std::get<std::int64_t>(base) + 1) return std::nullopt;
                       return Value{m + t};  // may leave the range: an invalid result
                     })
                .ok());
  }
  data::Store store(schema);
  for (int step = 0; step < 64 && !in.done(); ++step) {
    collab::CommandContext context;
    context.author.fill(static_cast<std::uint8_t>(in.byte() % 4));
    context.lamport = in.byte();
    context.base_version =
        store.version() - std::min<data::Version>(store.version(), in.byte() % 8);
    data::Op op;
    op.table = 0;
    op.entity = in.byte() % 4;
    const std::uint8_t kind = in.byte();
    if (kind % 11 == 0) {
      op.kind = data::OpKind::kRemoveEntity;
    } else if (kind % 11 == 1) {
      op.kind = data::OpKind::kRemoveComponents;
      op.components = 1 + in.byte() % 3;
    } else {
      data::ComponentWrite meta{0, {}};
      for (std::uint16_t f = 0; f < 6; ++f) {
        if (in.byte() % 3 != 0) continue;
        Value value;
        switch (f) {
          case 0:
          case 3:
          case 4:
            value = text_from(in).substr(0, f == 0 ? 16 : f == 3 ? 24 : 32);
            break;
          case 2:
            value = static_cast<std::int64_t>(in.byte() % 101) - 50;
            break;
          default:
            value = static_cast<std::int64_t>(in.byte() % 10);
            break;
        }
        meta.fields.push_back(data::FieldWrite{f, std::move(value)});
      }
      op.writes.push_back(std::move(meta));
      if (in.byte() % 2 == 0) {
        op.writes.push_back(data::ComponentWrite{
            1, {data::FieldWrite{0, Value{static_cast<std::int64_t>(in.byte())}}}});
      }
    }
    auto resolution = resolver.resolve({op}, context, store);
    require(resolution.ok());
    if (resolution->refused) {
      require(resolution->ops.empty() && !resolution->text.empty());
      continue;
    }
    const data::Version next = store.version() + 1;
    require(store.apply(data::Batch{store.version(), next, Micros{0}, resolution->ops}).ok());
    resolver.committed(resolution->ops, context, next);
  }
  require(resolver.log().size() <= config.log_capacity);
  require(resolver.history().fields() <= config.history.max_fields);
  Outcome outcome{store.canonical_bytes(), {}};
  for (const auto& record : resolver.log().records()) {
    outcome.log += collab::conflict_event_json(record, *schema, 0);
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if (data[0] % 2 == 0) {
    Input in(data + 1, size - 1);
    fuzz_merges(in);
    return 0;
  }
  static const auto schema = resolver_schema();
  const Outcome first = run_program(schema, data, size);
  const Outcome second = run_program(schema, data, size);
  require(first.store == second.store && first.log == second.log);
  return 0;
}
