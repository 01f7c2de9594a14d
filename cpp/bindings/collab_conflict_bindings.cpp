// theta_net.collab's conflicts from Python: a ConflictResolver in front of a DataHost (submit a
// transaction as an author's command: it is resolved, committed and its conflicts logged), the
// application's merges as Python callables, and the conflict log as the event stream's dicts.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "border.hpp"
#include "data_bindings.hpp"
#include "data_value_convert.hpp"
#include "theta_net/collab/conflict_resolver.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/data_host.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using SchemaPtr = std::shared_ptr<data::DataSchema>;

// A resolver and what its Python merges raised (a raising merge declines; the error waits here).
struct PyConflictResolver {
  PyConflictResolver(SchemaPtr schema, collab::ConflictResolverConfig config)
      : resolver(std::move(schema), config) {}
  collab::ConflictResolver resolver;
  std::shared_ptr<std::vector<std::string>> merge_errors =
      std::make_shared<std::vector<std::string>>();
};

collab::AuthorKey author_arg(const py::bytes& author) {
  const std::string key = author;
  if (key.size() != 32) {
    throw BorderError(ErrorKind::kData,
                      make_error(ErrorCode::kInvalidArgument, "an author is a 32-byte Ed25519 ",
                                 "public key, not ", key.size(), " bytes"));
  }
  collab::AuthorKey out{};
  std::copy(key.begin(), key.end(), out.begin());
  return out;
}

// The same ops as a transaction of the host's (resolved ops come from a transaction, so they
// are already in its normal form).
data::Transaction transaction_of(const data::DataHost& host, const std::vector<data::Op>& ops) {
  data::Transaction tx = host.transaction();
  const data::DataSchema& schema = host.schema();
  for (const data::Op& op : ops) {
    const data::TableSpec& table = schema.table(op.table);
    switch (op.kind) {
      case data::OpKind::kRemoveEntity:
        unwrap(tx.remove_entity(table.name, op.entity), ErrorKind::kData);
        break;
      case data::OpKind::kRemoveComponents:
        for (std::size_t c = 0; c < table.components.size(); ++c) {
          if (((op.components >> c) & 1) == 0) continue;
          unwrap(tx.remove_component(table.name, op.entity, table.components[c].name),
                 ErrorKind::kData);
        }
        break;
      case data::OpKind::kUpsert:
        for (const data::ComponentWrite& write : op.writes) {
          if (write.fields.empty()) {
            unwrap(tx.add_component(table.name, op.entity, table.components[write.component].name),
                   ErrorKind::kData);
          }
          for (const data::FieldWrite& field : write.fields) {
            unwrap(tx.set(op.table, op.entity, write.component, field.field, field.value),
                   ErrorKind::kData);
          }
        }
        break;
    }
  }
  return tx;
}

py::object event_dict(const collab::ConflictRecord& record, const data::DataSchema& schema) {
  // Not cached in a static: its destructor would run after the interpreter is gone.
  return py::module_::import("json").attr("loads")(
      collab::conflict_event_json(record, schema, static_cast<std::int64_t>(record.version)));
}

py::list events(const std::vector<collab::ConflictRecord>& records,
                const data::DataSchema& schema) {
  py::list out;
  for (const auto& record : records) out.append(event_dict(record, schema));
  return out;
}

}  // namespace

void bind_collab_conflicts(py::module_& m) {
  py::class_<PyConflictResolver>(
      m, "ConflictResolver",
      "Settles concurrent writes by the schema's conflict strategies and logs every conflict "
      "(theta_net.data.ConflictResolver; docs/collaboration.md, \"Conflicts\").")
      .def(py::init([](SchemaPtr schema, std::size_t max_writes_per_field, std::size_t max_fields,
                       std::size_t log_capacity) {
             collab::ConflictResolverConfig config;
             config.history.max_writes_per_field = max_writes_per_field;
             config.history.max_fields = max_fields;
             config.log_capacity = log_capacity;
             return std::make_unique<PyConflictResolver>(std::move(schema), config);
           }),
           "schema"_a, "max_writes_per_field"_a = 8, "max_fields"_a = 65536,
           "log_capacity"_a = 4096)
      .def(
          "add_merge",
          [](PyConflictResolver& self, std::string name, py::function merge) {
            auto errors = self.merge_errors;
            collab::MergeFunction wrapped =
                [merge = std::move(merge), errors, name](
                    const data::FieldSpec& field, const data::Value& base, const data::Value& mine,
                    const data::Value& theirs) -> std::optional<data::Value> {
              py::gil_scoped_acquire gil;
              try {
                py::object merged = merge(value_to_py(field, base), value_to_py(field, mine),
                                          value_to_py(field, theirs));
                if (merged.is_none()) return std::nullopt;
                return value_from_py(field, merged);
              } catch (py::error_already_set& error) {
                errors->push_back(str_cat("merge '", name, "': ", error.what()));
              } catch (const BorderError& error) {
                errors->push_back(str_cat("merge '", name, "': ", error.what()));
              }
              return std::nullopt;
            };
            unwrap(self.resolver.merges().add(std::move(name), std::move(wrapped)),
                   ErrorKind::kData);
          },
          "name"_a, "merge"_a,
          "Registers merge(base, mine, theirs) -> value (user units; None declines) for the "
          "strategy \"merge:<name>\". A merge that raises declines; take_merge_errors() lists "
          "what it raised.")
      .def(
          "missing_merges",
          [](const PyConflictResolver& self) {
            return self.resolver.merges().missing(self.resolver.schema());
          },
          "The merge names the schema uses that are not registered.")
      .def(
          "take_merge_errors",
          [](PyConflictResolver& self) { return std::exchange(*self.merge_errors, {}); },
          "What the Python merges raised since the last call.")
      .def(
          "merge",
          [](const PyConflictResolver& self, std::string_view table, std::string_view component,
             std::string_view field, const py::handle& base, const py::handle& mine,
             const py::handle& theirs) -> py::object {
            std::size_t c = 0, f = 0;
            const data::TableSpec& t = table_spec(self.resolver.schema(), table);
            const data::FieldSpec& spec = field_spec(component_spec(t, component, &c), field, &f);
            const data::ConflictStrategy& strategy = t.conflict_strategy(c, f);
            if (strategy.kind != data::ConflictKind::kMerge) return py::none();
            const collab::MergeOutcome out = self.resolver.merges().merge(
                spec, strategy.merge, value_from_py(spec, base), value_from_py(spec, mine),
                value_from_py(spec, theirs));
            if (!out.value) return py::none();
            return value_to_py(spec, *out.value);
          },
          "table"_a, "component"_a, "field"_a, "base"_a, "mine"_a, "theirs"_a,
          "The field's merge of three values (user units); None when its strategy is not a "
          "merge or the merge gives no value.")
      .def(
          "submit",
          [](PyConflictResolver& self, data::DataHost& host, const data::Transaction& tx,
             const py::bytes& author, std::uint64_t lamport, std::uint64_t base_version) {
            const collab::CommandContext context{author_arg(author), lamport, base_version};
            collab::Resolution resolution =
                unwrap(self.resolver.resolve(tx.ops(), context, host.store()), ErrorKind::kData);
            py::dict out;
            out["refused"] = resolution.refused;
            out["text"] = resolution.text;
            out["version"] = py::none();
            if (!resolution.refused) {
              const data::Transaction committed = transaction_of(host, resolution.ops);
              const data::Version version = host.version() + 1;
              if (!committed.empty()) unwrap(host.commit(committed), ErrorKind::kData);
              self.resolver.committed(committed.ops(), context, version);
              out["version"] = version;
              for (auto& record : resolution.conflicts) record.version = version;
            }
            out["conflicts"] = events(resolution.conflicts, self.resolver.schema());
            return out;
          },
          "host"_a, "tx"_a, "author"_a, "lamport"_a, "base_version"_a,
          "Resolves the transaction as `author`'s command (its Lamport clock, the version it was "
          "based on) against the host's store, commits what remains into the host's open batch "
          "unless refused, and returns {refused, text, version, conflicts}.")
      .def(
          "conflicts",
          [](const PyConflictResolver& self, std::optional<std::string_view> table,
             std::optional<std::uint64_t> entity, std::uint64_t from_version,
             std::optional<std::uint64_t> to_version, std::optional<std::size_t> limit) {
            collab::ConflictQuery query;
            if (table) {
              std::size_t t = 0;
              table_spec(self.resolver.schema(), *table, &t);
              query.table = static_cast<std::uint16_t>(t);
            }
            query.entity = entity;
            query.from_version = from_version;
            if (to_version) query.to_version = *to_version;
            if (limit) query.limit = *limit;
            return events(self.resolver.log().query(query), self.resolver.schema());
          },
          "table"_a = py::none(), "entity"_a = py::none(), "from_version"_a = 0,
          "to_version"_a = py::none(), "limit"_a = py::none(),
          "The logged conflicts (the event stream's dicts), oldest first, filtered.")
      .def_property_readonly(
          "counts",
          [](const PyConflictResolver& self) {
            const collab::ConflictLog& log = self.resolver.log();
            py::dict out;
            out["total"] = log.total();
            out["kept"] = log.size();
            out["dropped"] = log.dropped();
            out["by_strategy"] = log.by_strategy();
            out["by_outcome"] = log.by_outcome();
            return out;
          },
          "Conflicts ever logged: total, kept, dropped (for the bound), by strategy and outcome.")
      .def_property_readonly(
          "stats",
          [](const PyConflictResolver& self) {
            const auto& stats = self.resolver.stats();
            const auto& history = self.resolver.history();
            py::dict out;
            out["commands"] = stats.commands;
            out["refused"] = stats.refused;
            out["conflicts"] = stats.conflicts;
            out["unchecked_writes"] = stats.unchecked_writes;
            out["fields_tracked"] = history.fields();
            out["history_bytes"] = history.bytes();
            out["evicted_fields"] = history.evicted_fields();
            return out;
          },
          "Commands resolved and refused, conflicts, unchecked writes, and the history's size.");

  // ClientDB is bound by data_bindings.cpp; its merge hook is added here, next to the merges.
  py::object client_db = py::type::of<data::ClientDB>();
  py::setattr(client_db, "use_conflict_merges",
              py::cpp_function(
                  [](data::ClientDB& db, const PyConflictResolver& resolver) {
                    db.set_pending_merge(resolver.resolver.merges().pending_write_merge());
                  },
                  py::name("use_conflict_merges"), py::is_method(client_db), "resolver"_a,
                  "Shows pending writes to merge-strategy fields, once a server batch changed "
                  "them, merged as the resolver's merges (as registered now) would merge them."));
}

}  // namespace theta_net::bindings
