#include <scn/store/database.hpp>

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

using namespace scn::store;

namespace {

constexpr std::array kMigrations{
    Migration{1, "CREATE TABLE items(id TEXT PRIMARY KEY, n INTEGER NOT NULL);"},
    Migration{2, "ALTER TABLE items ADD COLUMN note TEXT;"},
};

std::filesystem::path temp_db(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-store-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = dir / name;
    std::filesystem::remove(path);
    return path;
}

}  // namespace

TEST(Database, MigratesInOrderAndRecordsTheVersion) {
    Database db(":memory:");
    EXPECT_EQ(db.schema_version(), 0);
    db.migrate(kMigrations);
    EXPECT_EQ(db.schema_version(), 2);
    db.prepare("INSERT INTO items(id, n, note) VALUES(?, ?, ?)").bind(1, "a").bind(2, 7).bind(3, nullptr).run();
    auto q = db.prepare("SELECT id, n, note FROM items");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.get_text(0), "a");
    EXPECT_EQ(q.get_int(1), 7);
    EXPECT_FALSE(q.get_optional_text(2));
    EXPECT_FALSE(q.step());
    db.migrate(kMigrations);  // idempotent
    EXPECT_EQ(db.schema_version(), 2);
}

TEST(Database, RefusesAFileFromANewerVersion) {
    Database db(":memory:");
    db.migrate(kMigrations);
    EXPECT_THROW(db.migrate(std::span(kMigrations).first(1)), DatabaseError);
}

TEST(Database, TransactionRollsBackUnlessCommitted) {
    Database db(":memory:");
    db.migrate(kMigrations);
    {
        Transaction tx(db);
        db.prepare("INSERT INTO items(id, n) VALUES('x', 1)").run();
    }
    auto count = db.prepare("SELECT COUNT(*) FROM items");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.get_int(0), 0);
    {
        Transaction tx(db);
        db.prepare("INSERT INTO items(id, n) VALUES('y', 1)").run();
        tx.commit();
    }
    count.reset();
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.get_int(0), 1);
}

TEST(Database, ErrorsNameTheStatement) {
    Database db(":memory:");
    try {
        db.prepare("SELECT * FROM missing_table");
        FAIL() << "expected an error";
    } catch (const DatabaseError& e) {
        EXPECT_NE(std::string(e.what()).find("missing_table"), std::string::npos) << e.what();
    }
    db.migrate(kMigrations);
    db.prepare("INSERT INTO items(id, n) VALUES('a', 1)").run();
    EXPECT_THROW(db.prepare("INSERT INTO items(id, n) VALUES('a', 2)").run(), DatabaseError);
}

TEST(Database, TwoConnectionsToOneFileSeeEachOthersWrites) {
    const auto path = temp_db("shared.db");
    Database a(path);
    a.migrate(kMigrations);
    Database b(path);
    b.migrate(kMigrations);
    std::thread writer([&] {
        for (int i = 0; i < 50; ++i) {
            Transaction tx(b);
            b.prepare("INSERT INTO items(id, n) VALUES(?, ?)").bind(1, "b" + std::to_string(i)).bind(2, i).run();
            tx.commit();
        }
    });
    for (int i = 0; i < 50; ++i) {
        Transaction tx(a);
        a.prepare("INSERT INTO items(id, n) VALUES(?, ?)").bind(1, "a" + std::to_string(i)).bind(2, i).run();
        tx.commit();
    }
    writer.join();
    auto count = a.prepare("SELECT COUNT(*) FROM items");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.get_int(0), 100);
}

TEST(Database, AnEmptyStringViewIsBoundAsEmptyTextNotNull) {
    Database db(":memory:");
    auto q = db.prepare("SELECT ?1 IS NULL, ?1 = ''");
    q.bind(1, std::string_view{});  // a default view has no data pointer
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.get_int(0), 0);
    EXPECT_EQ(q.get_int(1), 1);
}

TEST(Database, KeepsItsPagesAndSavepointJournalsInMemory) {
    Database db(temp_db("pragmas.db"));
    const auto pragma = [&](const char* name) {
        auto q = db.prepare(std::string("PRAGMA ") + name);
        EXPECT_TRUE(q.step());
        return q.get_int(0);
    };
    EXPECT_EQ(pragma("temp_store"), 2) << "MEMORY: a savepoint's journal is not a file written page by page";
    EXPECT_EQ(pragma("cache_size"), -16384) << "16 MB of pages before a transaction spills to the log";
}
