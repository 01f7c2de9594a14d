#include "theta_net/data/field_spec.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "theta_net/core/rng.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

// Names are assigned from std::string temporaries: assigning a literal trips GCC 12's
// -Wrestrict false positive (GCC bug 105329) once inlined.
FieldSpec int_field(std::int64_t min, std::int64_t max, std::uint8_t count = 1) {
  FieldSpec f;
  f.name = std::string("n");
  f.type = FieldType::kInt;
  f.min = min;
  f.max = max;
  f.count = count;
  f.default_value = f.type_default();
  return f;
}

FieldSpec text_field(FieldType type, std::uint32_t max_bytes) {
  FieldSpec f;
  f.name = std::string("t");
  f.type = type;
  f.max_bytes = max_bytes;
  f.default_value = std::string();
  return f;
}

// One field of every type (arrays where allowed) with a value inside its range.
std::vector<std::pair<FieldSpec, Value>> one_of_each() {
  std::vector<std::pair<FieldSpec, Value>> out;
  FieldSpec b;
  b.name = std::string("flag");
  b.type = FieldType::kBool;
  b.default_value = b.type_default();
  out.emplace_back(b, std::int64_t{1});
  out.emplace_back(int_field(-1000, 1000), std::int64_t{-777});
  out.emplace_back(int_field(0, 65535, 9),
                   std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 65535});
  FieldSpec e;
  e.name = std::string("team");
  e.type = FieldType::kEnum;
  e.enum_values = {"none", "red", "blue"};
  e.default_value = e.type_default();
  out.emplace_back(e, std::int64_t{2});
  FieldSpec fx;
  fx.name = std::string("x");
  fx.type = FieldType::kFixed;
  fx.bits = 8;
  fx.min = -4096 * 256;
  fx.max = 4096 * 256;
  fx.count = 3;
  fx.default_value = fx.type_default();
  out.emplace_back(fx, std::vector<std::int64_t>{-4096 * 256, 0, 12345});
  FieldSpec fl;
  fl.name = std::string("yaw");
  fl.type = FieldType::kFloat;
  fl.bits = 32;
  fl.float_min = -180;
  fl.float_max = 180;
  fl.default_value = fl.type_default();
  out.emplace_back(fl, std::int64_t{0xffffffff});
  FieldSpec d;
  d.name = std::string("score");
  d.type = FieldType::kF64;
  d.count = 2;
  d.default_value = d.type_default();
  out.emplace_back(d, std::vector<double>{-0.0, 1e300});
  out.emplace_back(text_field(FieldType::kString, 32), std::string("h\xc3\xa9llo"));
  out.emplace_back(text_field(FieldType::kBytes, 4), std::string("\x00\xff\x80\x01", 4));
  return out;
}

TEST(FieldSpec, EveryTypeRoundTripsThroughItsWireForm) {
  for (const auto& [field, value] : one_of_each()) {
    SCOPED_TRACE(std::string(field_type_name(field.type)));
    ASSERT_TRUE(field.validate().ok()) << field.validate().error().describe();
    ASSERT_TRUE(field.check(value).ok()) << field.check(value).error().describe();
    Bytes bytes;
    ByteWriter out(bytes);
    field.encode(value, out);
    ByteReader in(bytes);
    auto decoded = field.decode(in);
    ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
    EXPECT_EQ(*decoded, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(FieldSpec, EveryTypeDefaultIsValidAndDecodesFromItsOwnEncoding) {
  for (auto [field, value] : one_of_each()) {
    field.default_value = field.type_default();
    EXPECT_TRUE(field.validate().ok()) << field_type_name(field.type);
    Bytes bytes;
    ByteWriter out(bytes);
    field.encode(field.default_value, out);
    ByteReader in(bytes);
    auto decoded = field.decode(in);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, field.default_value);
  }
}

TEST(FieldSpec, EveryTypeDecoderReportsTruncationOfEachPrefix) {
  for (const auto& [field, value] : one_of_each()) {
    Bytes bytes;
    ByteWriter out(bytes);
    field.encode(value, out);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      ByteReader in(ByteSpan(bytes).first(n));
      auto decoded = field.decode(in);
      ASSERT_FALSE(decoded.ok()) << field_type_name(field.type) << " prefix " << n;
      EXPECT_EQ(decoded.error().code, ErrorCode::kTruncated);
    }
  }
}

TEST(FieldSpec, CheckRefusesValuesOutsideTheRangeAsOutOfRange) {
  auto f = int_field(0, 100);
  EXPECT_EQ(f.check(std::int64_t{101}).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(f.check(std::int64_t{-1}).error().code, ErrorCode::kOutOfRange);
  EXPECT_NE(f.check(std::int64_t{101}).error().message.find("'n'"), std::string::npos);
  auto arr = int_field(0, 9, 3);
  EXPECT_EQ(arr.check(std::vector<std::int64_t>{1, 10, 2}).error().code, ErrorCode::kOutOfRange);
  auto s = text_field(FieldType::kString, 3);
  EXPECT_EQ(s.check(std::string("abcd")).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(s.check(std::string("\xff")).error().code, ErrorCode::kOutOfRange);
  auto b = text_field(FieldType::kBytes, 3);
  EXPECT_TRUE(b.check(std::string("\xff")).ok());  // bytes need not be UTF-8
  FieldSpec d;
  d.name = std::string("d");
  d.type = FieldType::kF64;
  d.default_value = 0.0;
  EXPECT_EQ(d.check(std::numeric_limits<double>::quiet_NaN()).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(d.check(std::numeric_limits<double>::infinity()).error().code, ErrorCode::kOutOfRange);
}

TEST(FieldSpec, CheckRefusesTheWrongRepresentationAsInvalidArgument) {
  auto f = int_field(0, 100);
  EXPECT_EQ(f.check(1.0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(f.check(std::string("1")).error().code, ErrorCode::kInvalidArgument);
  auto arr = int_field(0, 9, 3);
  EXPECT_EQ(arr.check(std::int64_t{1}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(arr.check(std::vector<std::int64_t>{1, 2}).error().code, ErrorCode::kInvalidArgument);
  auto s = text_field(FieldType::kString, 3);
  EXPECT_EQ(s.check(std::int64_t{0}).error().code, ErrorCode::kInvalidArgument);
}

TEST(FieldSpec, DecoderRefusesValuesOutsideTheRange) {
  auto f = int_field(0, 100);
  Bytes bytes;
  ByteWriter out(bytes);
  write_svarint(out, 101);
  ByteReader in(bytes);
  EXPECT_EQ(f.decode(in).error().code, ErrorCode::kOutOfRange);

  FieldSpec b;
  b.name = std::string("flag");
  b.type = FieldType::kBool;
  const Bytes two{2};
  ByteReader bool_in(two);
  EXPECT_EQ(b.decode(bool_in).error().code, ErrorCode::kOutOfRange);

  FieldSpec e;
  e.name = std::string("e");
  e.type = FieldType::kEnum;
  e.enum_values = {"a", "b"};
  const Bytes index{2};
  ByteReader enum_in(index);
  EXPECT_EQ(e.decode(enum_in).error().code, ErrorCode::kOutOfRange);

  FieldSpec d;
  d.name = std::string("d");
  d.type = FieldType::kF64;
  Bytes nan;
  ByteWriter nan_out(nan);
  nan_out.u64le(0x7ff8000000000000ull);
  ByteReader nan_in(nan);
  EXPECT_EQ(d.decode(nan_in).error().code, ErrorCode::kOutOfRange);
}

TEST(FieldSpec, TextDecoderRefusesALengthOverMaxBeforeReadingTheBytes) {
  auto s = text_field(FieldType::kBytes, 8);
  Bytes bytes;
  ByteWriter out(bytes);
  write_varint(out, 1u << 30);  // a hostile length with no bytes behind it
  ByteReader in(bytes);
  auto decoded = s.decode(in);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kOutOfRange);
}

TEST(FieldSpec, StringDecoderRefusesInvalidUtf8) {
  auto s = text_field(FieldType::kString, 8);
  const Bytes bytes{2, 0xc0, 0x80};  // an overlong NUL
  ByteReader in(bytes);
  EXPECT_EQ(s.decode(in).error().code, ErrorCode::kOutOfRange);
}

TEST(FieldSpec, DecoderRefusesNonCanonicalAndOverlongVarints) {
  auto f = int_field(0, 100);
  const Bytes padded{0x82, 0x00};
  ByteReader in(padded);
  EXPECT_EQ(f.decode(in).error().code, ErrorCode::kCorrupt);
  const Bytes overlong{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  ByteReader over(overlong);
  EXPECT_EQ(f.decode(over).error().code, ErrorCode::kOverflow);
}

TEST(FieldSpec, ValidateRefusesBadParametersNamingTheField) {
  auto bad = [](FieldSpec f) {
    auto status = f.validate();
    EXPECT_FALSE(status.ok());
    return status.ok() ? std::string() : status.error().message;
  };
  auto f = int_field(0, 10);
  f.min = 11;
  EXPECT_NE(bad(f).find("'n'"), std::string::npos);
  f = int_field(0, 10);
  f.name = std::string("9lives");
  bad(f);
  f.name = std::string("a.b");
  bad(f);
  f = int_field(0, 10);
  f.bits = 3;  // int does not use bits: it would be hashed but never written
  EXPECT_NE(bad(f).find("bits"), std::string::npos);
  f = int_field(0, 10, 17);
  f.default_value = std::vector<std::int64_t>(17, 0);
  bad(f);
  auto s = text_field(FieldType::kString, 0);
  bad(s);
  s = text_field(FieldType::kString, kMaxTextBytes + 1);
  bad(s);
  s = text_field(FieldType::kString, 4);
  s.count = 2;
  bad(s);
  FieldSpec e;
  e.name = std::string("e");
  e.type = FieldType::kEnum;
  e.enum_values = {"a", "a"};
  EXPECT_NE(bad(e).find("twice"), std::string::npos);
  e.enum_values = {};
  bad(e);
  FieldSpec fl;
  fl.name = std::string("f");
  fl.type = FieldType::kFloat;
  fl.bits = 33;
  fl.float_max = 1;
  bad(fl);
  fl.bits = 8;
  fl.float_min = 1;
  bad(fl);
  FieldSpec fx;
  fx.name = std::string("x");
  fx.type = FieldType::kFixed;
  fx.bits = 31;
  bad(fx);
  fx.bits = 4;
  fx.max = (std::int64_t{1} << 53) + 1;  // no exact decimal in units past 2^53 steps
  bad(fx);
  fl.bits = 32;
  fl.float_min = 1e10;
  fl.float_max = 1e10 + 1;  // steps far below the doubles' resolution at 1e10
  EXPECT_NE(bad(fl).find("narrow"), std::string::npos);
  fl.float_min = -1e308;
  fl.float_max = 1e308;  // the width overflows to infinity
  bad(fl);
  auto with_bad_default = int_field(0, 10);
  with_bad_default.default_value = std::int64_t{11};
  EXPECT_NE(bad(with_bad_default).find("default"), std::string::npos);
}

TEST(FieldSpec, FixedAndFloatConvertBetweenUnitsAndCodes) {
  FieldSpec fx;
  fx.name = std::string("x");
  fx.type = FieldType::kFixed;
  fx.bits = 8;
  EXPECT_EQ(*fx.units_to_code(1.5), 384);
  EXPECT_EQ(*fx.units_to_code(-1.5), -384);
  EXPECT_DOUBLE_EQ(fx.code_to_units(384), 1.5);
  EXPECT_EQ(fx.units_to_code(1e300).error().code, ErrorCode::kOutOfRange);

  FieldSpec fl;
  fl.name = std::string("f");
  fl.type = FieldType::kFloat;
  fl.bits = 8;
  fl.float_min = -1;
  fl.float_max = 1;
  EXPECT_EQ(*fl.units_to_code(-1), 0);
  EXPECT_EQ(*fl.units_to_code(1), 255);
  EXPECT_DOUBLE_EQ(fl.code_to_units(255), 1.0);
  EXPECT_DOUBLE_EQ(fl.code_to_units(0), -1.0);
  EXPECT_EQ(fl.units_to_code(std::nan("")).error().code, ErrorCode::kOutOfRange);
}

TEST(FieldSpec, FloatCodesSurviveTheTripThroughUnits) {
  Rng rng(5);
  const double ranges[][2] = {{-180, 180}, {0, 1}, {1e6, 1e6 + 10}, {-1e-3, 5e-4}, {-1e300, 1e300}};
  for (const auto& range : ranges) {
    for (int bits : {1, 8, 16, 32}) {
      FieldSpec fl;
      fl.name = std::string("f");
      fl.type = FieldType::kFloat;
      fl.bits = bits;
      fl.float_min = range[0];
      fl.float_max = range[1];
      fl.default_value = fl.type_default();
      ASSERT_TRUE(fl.validate().ok()) << fl.validate().error().describe();
      const std::int64_t top = (std::int64_t{1} << bits) - 1;
      for (int i = 0; i < 200; ++i) {
        const std::int64_t code = i < 2 ? i * top : static_cast<std::int64_t>(rng.uniform(top + 1));
        ASSERT_EQ(*fl.units_to_code(fl.code_to_units(code)), code) << range[0] << " " << bits;
      }
    }
  }
}

TEST(FieldSpec, TypeDefaultIsZeroOrTheRangeValueNearestIt) {
  EXPECT_EQ(int_field(5, 10).type_default(), Value(std::int64_t{5}));
  EXPECT_EQ(int_field(-10, -5).type_default(), Value(std::int64_t{-5}));
  EXPECT_EQ(int_field(-10, 10, 2).type_default(), Value(std::vector<std::int64_t>{0, 0}));
  FieldSpec fl;
  fl.name = std::string("f");
  fl.type = FieldType::kFloat;
  fl.bits = 8;
  fl.float_min = -2;
  fl.float_max = -1;
  EXPECT_EQ(fl.type_default(), Value(std::int64_t{255}));
}

TEST(FieldSpec, TypeNamesParseBackAndUnknownNamesListTheValidOnes) {
  for (int t = 0; t < 8; ++t) {
    const auto type = static_cast<FieldType>(t);
    EXPECT_EQ(*parse_field_type(field_type_name(type)), type);
  }
  auto bad = parse_field_type("double");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("f64"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::data
