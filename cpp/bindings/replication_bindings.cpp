// Python access to replication: component declarations (fields, components, schemas) and the
// entity bitstream coded from and to columns of numpy arrays, so notebooks can study bandwidth.
//
// States are dicts of arrays: "entity" (uint64 ids), "<component>" (bool: present; optional on
// input, all present when missing) and "<component>.<field>" (a bare "<field>" also works when
// the schema has one component). Values are in natural units: fixed fields in blocks (float),
// angles in degrees (float), quaternions as (n, 4) floats x, y, z, w, integers and bools as
// such. With raw=True every column holds the quantized codes (int64; a quaternion's are
// [largest index, a, b, c]).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>

#include "border.hpp"
#include "field_units.hpp"
#include "theta_net/replication/client_replicator.hpp"
#include "theta_net/replication/entity_codec.hpp"
#include "theta_net/replication/reference_components.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using replication::ComponentType;
using replication::FieldDescriptor;
using replication::FieldKind;
using replication::Schema;
using replication::WorldState;

[[noreturn]] void fail(ErrorCode code, std::string message) {
  throw BorderError(ErrorKind::kReplication, Error{code, std::move(message)});
}

struct PySchema {
  std::shared_ptr<const Schema> schema;
};

std::int64_t to_raw(double v, const std::string& what) {
  return natural_to_raw(FieldKind::kFixed, v, what);
}

// The column of one field (or of a component's presence), or nothing.
py::object column(const py::dict& states, const Schema& schema, const ComponentType& type,
                  const std::string& field) {
  const std::string full = field.empty() ? type.name() : type.name() + "." + field;
  if (states.contains(full)) return states[py::str(full)];
  if (!field.empty() && schema.size() == 1 && states.contains(field)) return states[py::str(field)];
  return py::none();
}

WorldState to_world(const PySchema& s, const py::dict& states, bool raw) {
  const Schema& schema = *s.schema;
  if (!states.contains("entity"))
    fail(ErrorCode::kInvalidArgument, "states need an 'entity' column");
  const auto ids =
      py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>(states["entity"]);
  const std::size_t n = static_cast<std::size_t>(ids.size());
  const std::uint64_t* id = ids.data();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return id[a] < id[b]; });
  for (std::size_t i = 1; i < n; ++i) {
    if (id[order[i]] == id[order[i - 1]]) {
      fail(ErrorCode::kInvalidArgument, str_cat("entity ", id[order[i]], " appears twice"));
    }
  }
  // Gather every column once, as float64 (natural units) or int64 (codes, integers).
  struct Col {
    py::array_t<double, py::array::c_style | py::array::forcecast> f;
    py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> i;
    bool use_int = false;
  };
  std::vector<std::vector<Col>> cols(schema.size());
  std::vector<py::array_t<bool, py::array::c_style | py::array::forcecast>> present(schema.size());
  std::vector<bool> has_presence(schema.size(), false);
  for (std::size_t k = 0; k < schema.size(); ++k) {
    const ComponentType& type = schema.type(k);
    if (py::object p = column(states, schema, type, ""); !p.is_none()) {
      present[k] = p;
      has_presence[k] = true;
      if (static_cast<std::size_t>(present[k].size()) != n) {
        fail(ErrorCode::kInvalidArgument,
             str_cat("column '", type.name(), "' has ", present[k].size(), " rows, not ", n));
      }
    }
    for (const FieldDescriptor& f : type.fields()) {
      py::object c = column(states, schema, type, f.name);
      if (c.is_none()) {
        fail(ErrorCode::kInvalidArgument,
             str_cat("states have no column '", type.name(), ".", f.name, "'"));
      }
      Col col;
      col.use_int = raw || f.kind == FieldKind::kInteger;
      if (col.use_int) {
        col.i = c;
      } else {
        col.f = c;
      }
      const auto size = static_cast<std::size_t>(col.use_int ? col.i.size() : col.f.size());
      if (size != n * static_cast<std::size_t>(f.slots())) {
        fail(ErrorCode::kInvalidArgument,
             str_cat("column '", type.name(), ".", f.name, "' has ", size, " values, expected ",
                     n * static_cast<std::size_t>(f.slots())));
      }
      cols[k].push_back(std::move(col));
    }
  }
  WorldState world(s.schema);
  world.reserve(n);
  std::vector<std::int64_t> row(static_cast<std::size_t>(schema.row_slots()));
  std::vector<std::int64_t> raw_values;
  for (std::size_t r : order) {
    std::fill(row.begin(), row.end(), 0);
    replication::ComponentMask mask = 0;
    for (std::size_t k = 0; k < schema.size(); ++k) {
      if (has_presence[k] && !present[k].data()[r]) continue;
      const ComponentType& type = schema.type(k);
      raw_values.assign(static_cast<std::size_t>(type.slots()), 0);
      for (std::size_t f = 0; f < type.fields().size(); ++f) {
        const FieldDescriptor& fd = type.fields()[f];
        const Col& c = cols[k][f];
        const auto slots = static_cast<std::size_t>(fd.slots());
        for (std::size_t q = 0; q < slots; ++q) {
          const std::size_t at = r * slots + q;
          auto& out = raw_values[static_cast<std::size_t>(type.slot_of(f)) + q];
          if (c.use_int) {
            out = c.i.data()[at];
            if (fd.kind == FieldKind::kBool && !raw) out = out != 0;
            continue;
          }
          out = natural_to_raw(fd.kind, c.f.data()[at], type.name() + "." + fd.name);
        }
      }
      auto codes = std::span<std::int64_t>(row).subspan(
          static_cast<std::size_t>(schema.row_offset(k)), static_cast<std::size_t>(type.slots()));
      if (raw) {
        std::copy(raw_values.begin(), raw_values.end(), codes.begin());
        if (auto st = type.check_codes(codes); !st.ok()) {
          fail(st.error().code, str_cat("entity ", id[r], ": ", st.error().message));
        }
      } else {
        type.quantize(raw_values, codes);
      }
      mask |= replication::ComponentMask{1} << k;
    }
    world.append(id[r], mask, row);
  }
  return world;
}

py::dict to_states(const WorldState& world, bool raw) {
  const Schema& schema = world.schema();
  const auto n = static_cast<py::ssize_t>(world.size());
  py::dict out;
  py::array_t<std::uint64_t> ids(n);
  std::copy(world.ids().begin(), world.ids().end(), ids.mutable_data());
  out["entity"] = ids;
  std::vector<std::int64_t> raw_values;
  for (std::size_t k = 0; k < schema.size(); ++k) {
    const ComponentType& type = schema.type(k);
    py::array_t<bool> present(n);
    for (py::ssize_t i = 0; i < n; ++i) {
      present.mutable_data()[i] = world.mask(static_cast<std::size_t>(i)) >> k & 1;
    }
    out[py::str(type.name())] = present;
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& fd = type.fields()[f];
      const auto slots = static_cast<py::ssize_t>(fd.slots());
      std::vector<py::ssize_t> shape = {n};
      if (slots > 1) shape.push_back(slots);
      const std::string key = type.name() + "." + fd.name;
      const bool as_float = !raw && fd.kind != FieldKind::kInteger && fd.kind != FieldKind::kBool;
      py::array a = as_float ? py::array(py::dtype::of<double>(), shape)
                    : raw || fd.kind == FieldKind::kInteger
                        ? py::array(py::dtype::of<std::int64_t>(), shape)
                        : py::array(py::dtype::of<bool>(), shape);
      for (py::ssize_t i = 0; i < n; ++i) {
        const auto e = static_cast<std::size_t>(i);
        const bool has = world.mask(e) >> k & 1;
        const auto codes = world.codes(e, k).subspan(static_cast<std::size_t>(type.slot_of(f)),
                                                     static_cast<std::size_t>(slots));
        raw_values.assign(static_cast<std::size_t>(slots), 0);
        if (has && !raw) fd.dequantize(codes, raw_values);
        for (py::ssize_t q = 0; q < slots; ++q) {
          const std::size_t at = static_cast<std::size_t>(i * slots + q);
          const std::int64_t v =
              raw ? codes[static_cast<std::size_t>(q)] : raw_values[static_cast<std::size_t>(q)];
          if (as_float) {
            static_cast<double*>(a.mutable_data())[at] =
                has ? raw_to_natural(fd.kind, v) : std::numeric_limits<double>::quiet_NaN();
          } else if (raw || fd.kind == FieldKind::kInteger) {
            static_cast<std::int64_t*>(a.mutable_data())[at] = has ? v : 0;
          } else {
            static_cast<bool*>(a.mutable_data())[at] = has && v != 0;
          }
        }
      }
      out[py::str(key)] = a;
    }
  }
  return out;
}

PySchema make_schema(const py::object& spec) {
  if (py::isinstance<PySchema>(spec)) return spec.cast<PySchema>();
  std::vector<ComponentType> types;
  if (py::isinstance<ComponentType>(spec)) {
    types.push_back(spec.cast<ComponentType>());
  } else {
    for (const auto& item : spec) types.push_back(item.cast<ComponentType>());
  }
  return PySchema{unwrap(Schema::make(std::move(types)), ErrorKind::kReplication)};
}

class PyEntityCodec {
 public:
  PyEntityCodec(const py::object& schema, std::size_t max_entities)
      : schema_(make_schema(schema)), codec_(schema_.schema, {max_entities}) {}

  WorldState baseline(const py::object& b, bool raw) const {
    if (b.is_none()) return WorldState(schema_.schema);
    return to_world(schema_, b.cast<py::dict>(), raw);
  }
  py::bytes encode(const py::dict& states, const py::object& base, bool raw) const {
    const WorldState current = to_world(schema_, states, raw);
    const WorldState baseline_state = baseline(base, raw);
    Bytes out;
    {
      py::gil_scoped_release release;
      out = codec_.encode(baseline_state, current);
    }
    return to_pybytes(out);
  }
  py::dict decode(const py::buffer& data, const py::object& base, bool raw) const {
    const WorldState baseline_state = baseline(base, raw);
    BufferView view(data);
    Result<WorldState> decoded = Error{};
    {
      py::gil_scoped_release release;
      decoded = codec_.decode(baseline_state, view.bytes());
    }
    return to_states(unwrap(std::move(decoded), ErrorKind::kReplication), raw);
  }
  py::dict quantize(const py::dict& states, bool raw) const {
    return to_states(to_world(schema_, states, false), raw);
  }
  const PySchema& schema() const { return schema_; }

 private:
  PySchema schema_;
  replication::EntityCodec codec_;
};

}  // namespace

void bind_replication(py::module_& m) {
  py::class_<FieldDescriptor>(m, "ReplicationField",
                              "One field of a replicated component and how it is quantized.")
      .def_static("boolean", &FieldDescriptor::boolean, "name"_a)
      .def_static(
          "integer",
          [](std::string name, std::int64_t min, std::int64_t max) {
            return FieldDescriptor::integer(std::move(name), min, max);
          },
          "name"_a, "min"_a, "max"_a, "An integer in [min, max].")
      .def_static(
          "fixed",
          [](std::string name, int frac_bits, double min, double max) {
            return FieldDescriptor::fixed(std::move(name), frac_bits, to_raw(min, "min"),
                                          to_raw(max, "max"));
          },
          "name"_a, "frac_bits"_a, "min"_a, "max"_a,
          "A fixed-point value with step 2^-frac_bits (0..16) in [min, max] (in units).")
      .def_static(
          "position",
          [](std::string name, std::int64_t min, std::int64_t max, int step_bits) {
            return FieldDescriptor::position(std::move(name), min, max, step_bits);
          },
          "name"_a, "min"_a = -(1 << 25), "max"_a = 1 << 25,
          "step_bits"_a = replication::kDefaultPositionBits,
          "A position coordinate in whole blocks [min, max], 1/16 block by default.")
      .def_static("angle", &FieldDescriptor::angle, "name"_a,
                  "bits"_a = replication::kDefaultAngleBits,
                  "An angle in 2^bits steps per turn (256 by default); degrees in Python.")
      .def_static("quaternion", &FieldDescriptor::quaternion, "name"_a,
                  "bits"_a = replication::kDefaultQuaternionBits,
                  "A rotation as smallest three, bits per component (9 by default).")
      .def_readonly("name", &FieldDescriptor::name)
      .def_property_readonly("kind",
                             [](const FieldDescriptor& f) {
                               return std::string(replication::field_kind_name(f.kind));
                             })
      .def_readonly("bits", &FieldDescriptor::bits)
      .def_property_readonly("slots", &FieldDescriptor::slots)
      .def_property_readonly("code_min", &FieldDescriptor::code_min)
      .def_property_readonly("code_max", &FieldDescriptor::code_max)
      .def_property_readonly("code_bits", &FieldDescriptor::code_bits)
      .def("__eq__", [](const FieldDescriptor& a, const FieldDescriptor& b) { return a == b; })
      .def("__repr__", [](const FieldDescriptor& f) {
        return str_cat("Field.", replication::field_kind_name(f.kind), "('", f.name,
                       "', bits=", f.bits, ", codes=", f.code_min(), "..", f.code_max(), ")");
      });

  py::class_<ComponentType>(m, "ReplicationComponent",
                            "A replicated component type: name, stable id and fields.")
      .def(py::init([](std::string name, std::vector<FieldDescriptor> fields) {
             return unwrap(ComponentType::make(std::move(name), std::move(fields)),
                           ErrorKind::kReplication);
           }),
           "name"_a, "fields"_a)
      .def_static(
          "from_descriptor",
          [](std::uint64_t id, std::string name, const py::bytes& layout) {
            const std::string bytes = layout;
            protocol::ComponentDescriptor d{id, std::move(name), Bytes(bytes.begin(), bytes.end())};
            return unwrap(ComponentType::from_descriptor(d), ErrorKind::kReplication);
          },
          "id"_a, "name"_a, "layout"_a, "A type from a ComponentDescriptor a peer sent.")
      .def_property_readonly("name", &ComponentType::name)
      .def_property_readonly("id", &ComponentType::id)
      .def_property_readonly("fields", &ComponentType::fields)
      .def_property_readonly("slots", &ComponentType::slots)
      .def_property_readonly("payload_bits", &ComponentType::payload_bits)
      .def_property_readonly("layout",
                             [](const ComponentType& t) { return to_pybytes(t.layout()); })
      .def("__eq__", [](const ComponentType& a, const ComponentType& b) { return a == b; })
      .def("__repr__", [](const ComponentType& t) {
        return str_cat("Component('", t.name(), "', ", t.fields().size(), " fields, id=0x",
                       std::hex, t.id(), ")");
      });

  py::class_<PySchema>(m, "ReplicationSchema",
                       "Component types frozen in id order (registration order never matters).")
      .def(py::init([](const py::object& components) { return make_schema(components); }),
           "components"_a)
      .def_property_readonly("components", [](const PySchema& s) { return s.schema->types(); })
      .def_property_readonly("fingerprint",
                             [](const PySchema& s) { return s.schema->fingerprint(); })
      .def_property_readonly("row_slots", [](const PySchema& s) { return s.schema->row_slots(); })
      .def(
          "index_of",
          [](const PySchema& s, const std::string& name) -> py::object {
            auto k = s.schema->index_of_name(name);
            return k ? py::object(py::int_(*k)) : py::none();
          },
          "name"_a)
      .def("__len__", [](const PySchema& s) { return s.schema->size(); });

  py::class_<PyEntityCodec>(m, "EntityCodec",
                            "The entity delta bitstream, coded from and to columns of arrays.")
      .def(py::init<const py::object&, std::size_t>(), "schema"_a, "max_entities"_a = 1u << 16)
      .def("encode", &PyEntityCodec::encode, "states"_a, "baseline"_a = py::none(), "raw"_a = false,
           "The payload coding `states` against `baseline` (None: full state).")
      .def("decode", &PyEntityCodec::decode, "data"_a, "baseline"_a = py::none(), "raw"_a = false,
           "The states a payload codes against `baseline`.")
      .def("quantize", &PyEntityCodec::quantize, "states"_a, "raw"_a = false,
           "What the client holds for `states`: quantized (raw=True: the codes).")
      .def_property_readonly("schema", &PyEntityCodec::schema);

  m.def("replication_component_id", &replication::component_id, "name"_a,
        "SipHash-2-4 of the name under the all-zero key: a component type's stable id.");
  m.def(
      "replication_reference_schema", [] { return PySchema{replication::reference::schema()}; },
      "The reference game's components: transform, velocity, health, player state.");
  m.attr("MAX_ENTITY_PAYLOAD") = replication::kMaxEntityPayloadBytes;
}

}  // namespace theta_net::bindings
