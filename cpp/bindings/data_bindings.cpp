// theta_net.data's sans-I/O objects: DataHost (the server's store, transactions, syncs and
// per-client queues) and ClientDB (a client's mirror). Messages cross as (type name, fields)
// tuples, as theta_net.protocol writes them, so a notebook can pump them by hand, drop, delay or
// reorder them, or carry them over its own transport.
#include "data_bindings.hpp"

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "border.hpp"
#include "data_value_convert.hpp"
#include "metrics_convert.hpp"
#include "protocol_convert.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/data_host.hpp"
#include "time_caster.hpp"

namespace theta_net::bindings {

py::list messages_to_py(const std::vector<protocol::AnyMessage>& messages) {
  py::list out;
  for (const auto& message : messages) out.append(any_message_to_py(message));
  return out;
}

protocol::AnyMessage message_arg(const py::handle& message) {
  auto pair = message.cast<py::tuple>();
  if (pair.size() != 2) {
    throw BorderError(ErrorKind::kData, make_error(ErrorCode::kInvalidArgument,
                                                   "a message is a (type, fields) tuple"));
  }
  return any_message_from_py(pair[0], pair[1]);
}

namespace {

using namespace pybind11::literals;
using SchemaPtr = std::shared_ptr<data::DataSchema>;

Bytes bytes_arg(const py::handle& value) {
  const std::string text = value.cast<std::string>();
  return Bytes(text.begin(), text.end());
}

// Read access shared by DataHost (its store) and ClientDB (its view).
py::object get_row(const data::Store& store, std::string_view table, std::uint64_t entity) {
  std::size_t t = 0;
  table_spec(store.schema(), table, &t);
  const auto& rows = store.table(t);
  const auto row = rows.find(entity);
  if (!row) return py::none();
  return row_to_py(rows, *row);
}

py::dict table_rows(const data::Store& store, std::string_view table) {
  std::size_t t = 0;
  table_spec(store.schema(), table, &t);
  const auto& rows = store.table(t);
  py::dict out;
  for (std::size_t r = 0; r < rows.size(); ++r) out[py::int_(rows.ids()[r])] = row_to_py(rows, r);
  return out;
}

// A field over every entity of a table, in id order, as a numpy array (a copy: the store may
// change at the next message). Units: floats for fixed/float/f64, ints for int/enum codes, bool
// for bool; (rows, count) for arrays; a list for string/bytes.
py::object column(const data::Store& store, std::string_view table, std::string_view component,
                  std::string_view field, bool raw) {
  std::size_t t = 0, c = 0, f = 0;
  const auto& tspec = table_spec(store.schema(), table, &t);
  const auto& fspec = field_spec(component_spec(tspec, component, &c), field, &f);
  const auto& rows = store.table(t);
  const std::size_t n = rows.size(), width = fspec.count;
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
  if (width > 1) shape.push_back(static_cast<py::ssize_t>(width));
  if (fspec.is_text()) {
    py::list out;
    const auto texts = rows.text_column(c, f);
    for (const auto& text : texts) {
      out.append(fspec.type == data::FieldType::kBytes ? py::object(py::bytes(text))
                                                       : py::object(py::str(text)));
    }
    return out;
  }
  if (fspec.type == data::FieldType::kF64) {
    const auto reals = rows.real_column(c, f);
    py::array_t<double> out(shape);
    std::copy(reals.begin(), reals.end(), out.mutable_data());
    return out;
  }
  const auto codes = rows.int_column(c, f);
  const bool units =
      !raw && (fspec.type == data::FieldType::kFixed || fspec.type == data::FieldType::kFloat);
  if (units) {
    py::array_t<double> out(shape);
    double* dst = out.mutable_data();
    for (std::size_t i = 0; i < codes.size(); ++i) dst[i] = fspec.code_to_units(codes[i]);
    return out;
  }
  if (!raw && fspec.type == data::FieldType::kBool) {
    py::array_t<bool> out(shape);
    bool* dst = out.mutable_data();
    for (std::size_t i = 0; i < codes.size(); ++i) dst[i] = codes[i] != 0;
    return out;
  }
  py::array_t<std::int64_t> out(shape);
  std::copy(codes.begin(), codes.end(), out.mutable_data());
  return out;
}

py::array_t<std::uint64_t> ids_of(const data::Store& store, std::string_view table) {
  std::size_t t = 0;
  table_spec(store.schema(), table, &t);
  const auto ids = store.table(t).ids();
  py::array_t<std::uint64_t> out(static_cast<py::ssize_t>(ids.size()));
  std::copy(ids.begin(), ids.end(), out.mutable_data());
  return out;
}

py::dict change_to_py(const data::DataSchema& schema, const data::Change& change) {
  static const char* kinds[] = {"insert", "update", "remove"};
  const auto& table = schema.table(change.table);
  py::dict out;
  out["kind"] = kinds[static_cast<int>(change.kind)];
  out["table"] = table.name;
  out["entity"] = change.entity;
  py::list components;
  py::dict fields;
  for (std::size_t c = 0; c < table.components.size(); ++c) {
    if (!((change.components >> c) & 1)) continue;
    const auto& component = table.components[c];
    components.append(component.name);
    if (c < change.fields.size() && change.fields[c]) {
      py::list names;
      for (std::size_t f = 0; f < component.fields.size(); ++f) {
        if ((change.fields[c] >> f) & 1) names.append(component.fields[f].name);
      }
      fields[py::str(component.name)] = names;
    }
  }
  out["components"] = components;
  out["fields"] = fields;
  return out;
}

void bind_host(py::module_& m) {
  py::class_<data::DataHost>(
      m, "DataHost", "The server side of the data layer, sans-I/O (theta_net.data.DataHost).")
      .def(py::init([](SchemaPtr schema, std::size_t snapshot_chunk_bytes,
                       std::size_t archive_batches, std::size_t archive_bytes,
                       std::size_t max_queue_bytes, std::size_t compress_above,
                       std::uint64_t state_hash_every, std::uint32_t table_resync_burst,
                       Micros table_resync_refill) {
             data::DataHostConfig config;
             config.snapshot_chunk_bytes = snapshot_chunk_bytes;
             config.archive.max_batches = archive_batches;
             config.archive.max_bytes = archive_bytes;
             config.max_queue_bytes = max_queue_bytes;
             config.compress_above = compress_above;
             config.state_hash_every = state_hash_every;
             config.table_resync_burst = table_resync_burst;
             config.table_resync_refill = table_resync_refill;
             return std::make_unique<data::DataHost>(std::move(schema), config);
           }),
           "schema"_a, "snapshot_chunk_bytes"_a = 16 * 1024, "archive_batches"_a = 4096,
           "archive_bytes"_a = 16u << 20, "max_queue_bytes"_a = 4u << 20, "compress_above"_a = 512,
           "state_hash_every"_a = 1, "table_resync_burst"_a = 4,
           "table_resync_refill"_a = Micros(std::chrono::seconds(10)))
      .def("transaction", &data::DataHost::transaction)
      .def(
          "commit",
          [](data::DataHost& host, const data::Transaction& tx) {
            unwrap(host.commit(tx), ErrorKind::kData);
          },
          "tx"_a)
      .def("flush", &data::DataHost::flush, "now"_a,
           "Closes the open batch as the next version; returns it (None when nothing changed).")
      .def_property_readonly("version", &data::DataHost::version)
      .def_property_readonly(
          "schema",
          [](const data::DataHost& h) {
            return std::const_pointer_cast<data::DataSchema>(h.store().schema_ptr());
          },
          "The host's schema (the object it was made with).")
      .def("digest", [](const data::DataHost& h) { return h.store().digest(); })
      .def(
          "table_hash",
          [](const data::DataHost& h, std::string_view table) {
            std::size_t t = 0;
            table_spec(h.store().schema(), table, &t);
            return h.store().table(t).state_hash();
          },
          "table"_a, "The table's state hash (docs/data.md, divergence check).")
      .def("canonical_bytes",
           [](const data::DataHost& h) { return to_pybytes(h.store().canonical_bytes()); })
      .def("get", [](const data::DataHost& h, std::string_view table,
                     std::uint64_t entity) { return get_row(h.store(), table, entity); })
      .def("rows", [](const data::DataHost& h,
                      std::string_view table) { return table_rows(h.store(), table); })
      .def("add_client", &data::DataHost::add_client, "now"_a, "compression"_a = true)
      .def("remove_client", &data::DataHost::remove_client, "client"_a)
      .def("clients", &data::DataHost::clients)
      .def(
          "on_message",
          [](data::DataHost& host, std::uint64_t client, const py::handle& message, Micros now) {
            unwrap(host.on_message(client, message_arg(message), now), ErrorKind::kData);
          },
          "client"_a, "message"_a, "now"_a)
      .def("handle_timeout", &data::DataHost::handle_timeout, "now"_a)
      .def(
          "set_dictionary",
          [](data::DataHost& host, const py::bytes& dictionary) {
            unwrap(host.set_dictionary(bytes_arg(dictionary)), ErrorKind::kData);
          },
          "dictionary"_a, "A zstd dictionary offered to clients that hold it.")
      .def(
          "drain",
          [](data::DataHost& host, std::uint64_t client, std::size_t credit) {
            return messages_to_py(host.drain(client, credit));
          },
          "client"_a, "credit"_a = std::size_t{1} << 30)
      .def(
          "stats",
          [](const data::DataHost& host, std::uint64_t client) -> py::object {
            const auto* stats = host.stats(client);
            if (!stats) return py::none();
            return metrics_dict(*stats);
          },
          "client"_a);
}

void bind_client_db(py::module_& m) {
  py::class_<data::ClientDB>(m, "ClientDB",
                             "A client's mirror of a DataHost, sans-I/O (theta_net.data.ClientDB).")
      .def(py::init([](SchemaPtr expected, std::vector<std::string> tables) {
             data::ClientDbConfig config;
             config.tables = std::move(tables);
             return std::make_unique<data::ClientDB>(std::move(expected), config);
           }),
           "schema"_a, "tables"_a = std::vector<std::string>{})
      .def("subscribe", &data::ClientDB::subscribe, "now"_a)
      .def("on_reconnect", &data::ClientDB::on_reconnect, "now"_a)
      .def(
          "on_message",
          [](data::ClientDB& db, const py::handle& message, Micros now) {
            unwrap(db.on_message(message_arg(message), now), ErrorKind::kData);
          },
          "message"_a, "now"_a)
      .def("handle_timeout", &data::ClientDB::handle_timeout, "now"_a)
      .def(
          "load_dictionary",
          [](data::ClientDB& db, const py::bytes& dictionary) {
            unwrap(db.load_dictionary(bytes_arg(dictionary)), ErrorKind::kData);
          },
          "dictionary"_a, "A zstd dictionary announced in the next DataSubscribe.")
      .def("take_outgoing", [](data::ClientDB& db) { return messages_to_py(db.take_outgoing()); })
      .def_property_readonly("version", &data::ClientDB::version)
      .def_property_readonly("status",
                             [](const data::ClientDB& db) {
                               const auto& s = db.status();
                               py::dict out;
                               out["state"] = std::string(data::sync_state_name(s.state));
                               out["sync_id"] = s.sync_id;
                               out["target_version"] = s.target_version;
                               out["entities_done"] = s.entities_done;
                               out["entities_total"] = s.entities_total;
                               out["bytes_done"] = s.bytes_done;
                               out["bytes_total"] = s.bytes_total;
                               out["refusal"] = db.refusal();
                               return out;
                             })
      .def("digest", [](const data::ClientDB& db) { return db.view().digest(); })
      .def(
          "table_hash",
          [](const data::ClientDB& db, std::string_view table) {
            std::size_t t = 0;
            table_spec(db.schema(), table, &t);
            return db.confirmed_table_hash(t);
          },
          "table"_a,
          "The state hash of the table as the server holds it (the mirror without its pending "
          "writes): what the server's DataStateHash is compared with.")
      .def_property_readonly("divergences", &data::ClientDB::divergences)
      .def_property_readonly("table_resyncs", &data::ClientDB::table_resyncs)
      .def_property_readonly("state_hashes_checked", &data::ClientDB::state_hashes_checked)
      .def_property_readonly("nacks_sent", &data::ClientDB::nacks_sent,
                             "NackRequests sent for versions missing on the way (docs/data.md, "
                             "\"Gaps\").")
      .def_property_readonly("gaps_filled", &data::ClientDB::gaps_filled,
                             "Gaps the answers to those NackRequests filled.")
      .def(
          "take_divergences",
          [](data::ClientDB& db) {
            py::list out;
            for (const data::Divergence& d : db.take_divergences()) {
              py::dict item;
              item["table"] = db.schema().table(d.table).name;
              item["version"] = d.version;
              item["server_hash"] = d.server_hash;
              item["local_hash"] = d.local_hash;
              out.append(item);
            }
            return out;
          },
          "Tables found diverged since the last call (each was asked for again).")
      .def(
          "corrupt_for_testing",
          [](data::ClientDB& db, const data::Transaction& tx) {
            unwrap(db.corrupt_for_testing(tx.ops()), ErrorKind::kData);
          },
          "tx"_a,
          "Test hook: applies tx to the mirror behind the server's back (a lost batch, a bug).")
      .def("canonical_bytes",
           [](const data::ClientDB& db) { return to_pybytes(db.view().canonical_bytes()); })
      .def("get", [](const data::ClientDB& db, std::string_view table,
                     std::uint64_t entity) { return get_row(db.view(), table, entity); })
      .def("rows", [](const data::ClientDB& db,
                      std::string_view table) { return table_rows(db.view(), table); })
      .def("ids", [](const data::ClientDB& db,
                     std::string_view table) { return ids_of(db.view(), table); })
      .def(
          "column",
          [](const data::ClientDB& db, std::string_view table, std::string_view component,
             std::string_view field,
             bool raw) { return column(db.view(), table, component, field, raw); },
          "table"_a, "component"_a, "field"_a, "raw"_a = false)
      .def(
          "write",
          [](data::ClientDB& db, const data::Transaction& tx) {
            return unwrap(db.write(tx), ErrorKind::kData);
          },
          "tx"_a)
      .def("transaction",
           [](const data::ClientDB& db) { return data::Transaction(db.view().schema_ptr()); })
      .def_property_readonly("pending_writes", &data::ClientDB::pending_writes)
      .def("take_refused_writes", &data::ClientDB::take_refused_writes)
      .def(
          "on_table",
          [](data::ClientDB& db, std::string_view table, py::function callback) {
            auto* self = &db;
            return unwrap(db.on_table(table,
                                      [self, callback](const data::Change& change) {
                                        callback(change_to_py(self->schema(), change));
                                      }),
                          ErrorKind::kData);
          },
          "table"_a, "callback"_a)
      .def(
          "on_entity",
          [](data::ClientDB& db, std::string_view table, std::uint64_t entity,
             py::function callback) {
            auto* self = &db;
            return unwrap(db.on_entity(table, entity,
                                       [self, callback](const data::Change& change) {
                                         callback(change_to_py(self->schema(), change));
                                       }),
                          ErrorKind::kData);
          },
          "table"_a, "entity"_a, "callback"_a)
      .def(
          "on_field",
          [](data::ClientDB& db, std::string_view table, std::string_view component,
             std::string_view field, py::function callback) {
            auto* self = &db;
            return unwrap(db.on_field(table, component, field,
                                      [self, callback](const data::Change& change) {
                                        callback(change_to_py(self->schema(), change));
                                      }),
                          ErrorKind::kData);
          },
          "table"_a, "component"_a, "field"_a, "callback"_a)
      .def("unsubscribe", &data::ClientDB::unsubscribe, "subscription"_a)
      .def_property_readonly("batches_applied", &data::ClientDB::batches_applied)
      .def_property_readonly("bytes_received", &data::ClientDB::bytes_received)
      .def("take_latency_samples", &data::ClientDB::take_latency_samples);
}

}  // namespace

void bind_compression(py::module_& m) {
  m.def(
      "data_train_dictionary",
      [](const std::vector<py::bytes>& samples, std::size_t size) {
        std::vector<Bytes> raw;
        raw.reserve(samples.size());
        for (const auto& s : samples) raw.push_back(bytes_arg(s));
        Result<Bytes> dictionary = [&] {
          py::gil_scoped_release release;
          return data::BatchCompressor::train(raw, size);
        }();
        return to_pybytes(unwrap(std::move(dictionary), ErrorKind::kData));
      },
      "samples"_a, "size"_a = 16 * 1024,
      "A zstd dictionary trained from batch payloads (BatchCompressor::train).");
  m.def(
      "data_pack",
      [](const py::bytes& payload, const py::object& dictionary, int level) {
        data::BatchCompressor packer;
        if (!dictionary.is_none()) {
          unwrap(packer.set_dictionary(bytes_arg(dictionary)), ErrorKind::kData);
        }
        return to_pybytes(packer.compress(bytes_arg(payload), !dictionary.is_none(), level));
      },
      "payload"_a, "dictionary"_a = py::none(), "level"_a = 3,
      "A payload packed as the DataHost packs batches (zstd, with the dictionary if given).");
  m.def(
      "data_dictionary_id",
      [](const py::bytes& dictionary) {
        data::BatchCompressor packer;
        unwrap(packer.set_dictionary(bytes_arg(dictionary)), ErrorKind::kData);
        return packer.dictionary_id();
      },
      "dictionary"_a, "The id a dictionary is announced by (SipHash-2-4 of its bytes).");
}

void bind_data(py::module_& m) {
  bind_data_schema(m);
  bind_host(m);
  bind_client_db(m);
  bind_compression(m);
  bind_collab_conflicts(m);
}

}  // namespace theta_net::bindings
