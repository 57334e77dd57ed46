// The background checkpointer: the thread copies the log back while the writer is idle, the log stays bounded while
// writes go on, and nothing written is lost.
#include <scn/store/checkpointer.hpp>
#include <scn/store/database.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>

using namespace scn::store;
using namespace std::chrono_literals;

namespace {

std::filesystem::path temp_db(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("scn-checkpointer-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = dir / name;
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
    return path;
}

std::int64_t pragma(Database& db, const std::string& name) {
    auto q = db.prepare("PRAGMA " + name);
    EXPECT_TRUE(q.step());
    return q.get_int(0);
}

}  // namespace

TEST(Checkpointer, CopiesTheLogBackOnItsThreadWhileTheWriterIsIdle) {
    const auto path = temp_db("copies.db");
    Database db(path);
    db.exec("CREATE TABLE rows(n INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    const std::string body(3000, 'x');  // about a page a row
    Checkpointer checkpointer(db, {5ms, 4096, 65536});
    EXPECT_EQ(pragma(db, "wal_autocheckpoint"), 65536) << "the writer checkpoints by itself only past 65,536 pages";
    const auto file_before = std::filesystem::file_size(path);
    {
        Transaction tx(db);
        for (int n = 0; n < 300; ++n) {
            db.prepare("INSERT INTO rows(n, body) VALUES(?, ?)").bind(1, n).bind(2, body).run();
        }
        tx.commit();
    }
    // Some 300 pages in the log, far below the writer's threshold: only the thread copies them into the file.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while ((std::filesystem::file_size(path) < file_before + 300 * 3000 || checkpointer.checkpoints() == 0) &&
           std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(5ms);
    }
    EXPECT_GE(std::filesystem::file_size(path), file_before + 300 * 3000) << "the rows reached the database file";
    EXPECT_GE(checkpointer.checkpoints(), 1u);
}

TEST(Checkpointer, TheLogStaysBoundedUnderWritesThatSeldomPauseAndNothingIsLost) {
    const auto path = temp_db("bounded.db");
    Database db(path);
    db.exec("CREATE TABLE rows(n INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    const std::string body(3000, 'x');
    constexpr int kRows = 3000;
    {
        // The writer would checkpoint by itself only past 100,000 pages: the thread keeps the log short.
        Checkpointer checkpointer(db, {5ms, 200, 100'000});
        for (int n = 0; n < kRows; ++n) {
            Transaction tx(db);
            db.prepare("INSERT INTO rows(n, body) VALUES(?, ?)").bind(1, n).bind(2, body).run();
            tx.commit();
            if (n % 100 == 99) {
                std::this_thread::sleep_for(1ms);  // an event loop pauses between its groups of writes now and then
            }
        }
        EXPECT_GE(checkpointer.restarts(), 1u);
        // Without checkpoints the log holds every page written: about three a commit, 37 MB here.
        EXPECT_LT(std::filesystem::file_size(path.string() + "-wal"), std::uintmax_t{2} * kRows * 4096);
    }
    EXPECT_EQ(pragma(db, "wal_autocheckpoint"), 1000) << "the writer's default is back once the thread is gone";
    Database other(path);
    auto q = other.prepare("SELECT COUNT(*), SUM(length(body)) FROM rows");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.get_int(0), kRows) << "nothing lost";
    EXPECT_EQ(q.get_int(1), std::int64_t{kRows} * 3000);
}

TEST(Checkpointer, LeavesAnInMemoryDatabaseAlone) {
    Database db(":memory:");
    Checkpointer checkpointer(db, {5ms, 100});
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(checkpointer.checkpoints(), 0u);
}
