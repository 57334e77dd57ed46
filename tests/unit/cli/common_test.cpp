#include <scn/cli/common.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

using namespace scn::cli;
namespace fs = std::filesystem;

TEST(DataDir, LooksInTheGivenPathThenTheInstallationThenTheCheckout) {
    const auto places = data_dir_candidates("data/cpo", "/opt/scn/bin/scn-tools");
    ASSERT_EQ(places.size(), 3u);
    EXPECT_EQ(places[0], fs::path("data/cpo"));
    EXPECT_EQ(places[1], fs::path("/opt/scn/share/scn-tools/data/cpo"));
    EXPECT_EQ(places[2], fs::path(SCN_SOURCE_DIR) / "data" / "cpo");
}

TEST(DataDir, AnAbsolutePathMeansThatPathAlone) {
    const auto places = data_dir_candidates("/srv/my-locations", "/usr/bin/scn-tools");
    ASSERT_EQ(places.size(), 1u);
    EXPECT_EQ(places[0], fs::path("/srv/my-locations"));
}

TEST(DataDir, APathOutsideDataKeepsItsName) {
    const auto places = data_dir_candidates("generated/zug", "/usr/bin/scn-tools");
    ASSERT_EQ(places.size(), 3u);
    EXPECT_EQ(places[1], fs::path("/usr/share/scn-tools/data/generated/zug"));
}

TEST(DataDir, IsFoundFromAnyDirectoryAndAMissingOneNamesEveryPlaceTried) {
    const auto here = fs::current_path();
    const auto empty = fs::temp_directory_path() / ("scn-cli-test-" + std::to_string(::getpid()));
    fs::create_directories(empty);
    fs::current_path(empty);
    // The seed data of the checkout this test was built from, found from a directory that has none.
    EXPECT_EQ(resolve_data_dir("data/cpo"), fs::path(SCN_SOURCE_DIR) / "data" / "cpo");
    fs::create_directories(empty / "data" / "cpo");
    EXPECT_EQ(resolve_data_dir("data/cpo"), fs::path("data/cpo")) << "the current directory's data comes first";
    try {
        (void)resolve_data_dir("data/nowhere");
        ADD_FAILURE() << "expected an error";
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find((empty / "data" / "nowhere").string()), std::string::npos) << message;
        EXPECT_NE(message.find("share/scn-tools/data/nowhere"), std::string::npos) << message;
        EXPECT_NE(message.find((fs::path(SCN_SOURCE_DIR) / "data" / "nowhere").string()), std::string::npos) << message;
    }
    fs::current_path(here);
    fs::remove_all(empty);
}
