// The client side: a ClientDB's pending local write to a merge-strategy field that meets a
// server batch changing the field shows merge(base, mine, theirs), computed by the same
// MergeRegistry the server resolves with, and the value the server commits.
#include <gtest/gtest.h>

#include "conflict_support.hpp"
#include "theta_net/collab/conflict_merge.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/data_host.hpp"

namespace theta_net::collab {
namespace {

using data::Value;
using namespace testing;

Value text(const char* s) {
  return std::string(s);
}

// A DataHost and one ClientDB joined by hand; the client's own writes are held back (not
// delivered), so its pending writes stay pending while other authors' batches arrive.
class ClientMergeTest : public ::testing::Test {
 protected:
  ClientMergeTest() : schema(editor_schema()), host(schema), mirror(schema) {
    client = host.add_client(Micros{0});
    mirror.subscribe(Micros{0});
    exchange();
    EXPECT_EQ(mirror.status().state, data::SyncState::kReady);
  }

  // Carries messages both ways until quiet; DataWrites of the mirror are kept in `held`.
  void exchange() {
    for (int round = 0; round < 8; ++round) {
      for (auto& message : mirror.take_outgoing()) {
        if (std::holds_alternative<protocol::DataWrite>(message)) {
          held.push_back(std::move(message));
        } else {
          ASSERT_TRUE(host.on_message(client, message, Micros{0}).ok());
        }
      }
      for (auto& message : host.drain(client, 1 << 20)) {
        ASSERT_TRUE(mirror.on_message(message, Micros{0}).ok());
      }
    }
  }

  // Another author's write, committed and flushed by the server.
  void server_sets(std::uint16_t field, Value value) {
    data::Transaction tx = host.transaction();
    ASSERT_TRUE(tx.set(kDocs, 7, kMeta, field, std::move(value)).ok());
    ASSERT_TRUE(host.commit(tx).ok());
    host.flush(Micros{0});
    exchange();
  }

  void client_sets(std::uint16_t field, Value value) {
    data::Transaction tx(schema);
    ASSERT_TRUE(tx.set(kDocs, 7, kMeta, field, std::move(value)).ok());
    ASSERT_TRUE(mirror.write(tx).ok());
  }

  Value shown(std::uint16_t field) const {
    const data::Table& table = mirror.view().table(kDocs);
    return table.get(*table.find(7), kMeta, field);
  }

  std::shared_ptr<const data::DataSchema> schema;
  data::DataHost host;
  data::ClientDB mirror;
  data::DataClientId client = 0;
  std::vector<protocol::AnyMessage> held;
};

TEST_F(ClientMergeTest, APendingCounterWriteShowsTheMergeOfAConcurrentBatch) {
  mirror.set_pending_merge(MergeRegistry().pending_write_merge());
  server_sets(kVotes, Value{10});
  client_sets(kVotes, Value{11});  // +1, pending
  EXPECT_EQ(shown(kVotes), Value{11});
  server_sets(kVotes, Value{13});  // another author's +3
  EXPECT_EQ(shown(kVotes), Value{14});
  server_sets(kVotes, Value{12});  // and -1
  EXPECT_EQ(shown(kVotes), Value{13});
  EXPECT_EQ(mirror.pending_writes(), 1u);
}

TEST_F(ClientMergeTest, TheViewShowsWhatTheServerWillCommit) {
  mirror.set_pending_merge(MergeRegistry().pending_write_merge());
  server_sets(kBody, text("intro\nmiddle\nend"));
  server_sets(kTags, text("red\nblue"));
  const data::Version seen = mirror.version();
  client_sets(kBody, text("intro\nmiddle\nEND"));
  client_sets(kTags, text("blue\nwhite"));
  server_sets(kBody, text("INTRO\nmiddle\nend"));
  server_sets(kTags, text("red\nblue\ngreen"));
  EXPECT_EQ(shown(kBody), text("INTRO\nmiddle\nEND"));
  EXPECT_EQ(shown(kTags), text("blue\ngreen\nwhite"));

  // The server's resolver, given the same history, commits the same values.
  ConflictServer server(schema);
  server.write(9, 1, 0, kDocs, 7, kMeta, kBody, text("intro\nmiddle\nend"));
  server.write(9, 2, 1, kDocs, 7, kMeta, kTags, text("red\nblue"));
  ASSERT_EQ(server.store.version(), seen);
  server.write(9, 3, 2, kDocs, 7, kMeta, kBody, text("INTRO\nmiddle\nend"));
  server.write(9, 4, 3, kDocs, 7, kMeta, kTags, text("red\nblue\ngreen"));
  server.write(1, 3, seen, kDocs, 7, kMeta, kBody, text("intro\nmiddle\nEND"));
  server.write(1, 4, seen, kDocs, 7, kMeta, kTags, text("blue\nwhite"));
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kBody), shown(kBody));
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kTags), shown(kTags));
}

TEST_F(ClientMergeTest, WithoutTheHookOrForOtherStrategiesThePendingWriteShowsMine) {
  server_sets(kVotes, Value{10});
  server_sets(kTitle, text("a"));
  client_sets(kVotes, Value{11});
  client_sets(kTitle, text("mine"));
  server_sets(kVotes, Value{13});
  EXPECT_EQ(shown(kVotes), Value{11});  // no hook: mine, as before
  mirror.set_pending_merge(MergeRegistry().pending_write_merge());
  server_sets(kTitle, text("theirs"));  // lww field: mine stays on top
  EXPECT_EQ(shown(kTitle), text("mine"));
  EXPECT_EQ(shown(kVotes), Value{14});  // the next rebase merges
}

TEST_F(ClientMergeTest, TwoPendingWritesToOneCounterMergeLikeTheServer) {
  mirror.set_pending_merge(MergeRegistry().pending_write_merge());
  server_sets(kVotes, Value{10});
  client_sets(kVotes, Value{11});
  client_sets(kVotes, Value{12});
  server_sets(kVotes, Value{20});
  EXPECT_EQ(shown(kVotes), Value{22});
}

TEST_F(ClientMergeTest, AMergeTheHookCannotMakeShowsMine) {
  mirror.set_pending_merge(MergeRegistry().pending_write_merge());  // "mix" is not registered
  server_sets(kColor, Value{10});
  client_sets(kColor, Value{11});
  server_sets(kColor, Value{13});
  EXPECT_EQ(shown(kColor), Value{11});
  MergeRegistry merges;
  ASSERT_TRUE(
      merges
          .add("mix", [](const data::FieldSpec&, const Value&, const Value&,
                         const Value&) { return std::optional<Value>(Value{std::int64_t{77}}); })
          .ok());
  mirror.set_pending_merge(merges.pending_write_merge());
  server_sets(kColor, Value{14});
  EXPECT_EQ(shown(kColor), Value{77});
}

}  // namespace
}  // namespace theta_net::collab
