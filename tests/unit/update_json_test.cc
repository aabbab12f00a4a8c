// The update document from a monitor snapshot (web/update_json.h): which image is the head's,
// when Sparks mismatch, when a previous image is worth a rollback, the check's error and the
// rollback hint.
#include "web/update_json.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

using nlohmann::json;

const std::string kOld = "sha256:" + std::string(64, '1');
const std::string kNew = "sha256:" + std::string(64, '2');

Config TwoSparks() {
  Config config;
  config.sparks["spark1"].host = "10.0.0.1";
  config.sparks["spark2"].host = "10.0.0.2";
  return config;
}

ImageRef Image(const std::string& id) { return {id, "2026-11-24T10:41:07.5+01:00"}; }

TEST(UpdateJson, BeforeAnyCheckEverythingIsUnknownAndNull) {
  const json doc = UpdateJson(UpdateStatus{}, TwoSparks(), std::nullopt);
  EXPECT_EQ(doc, (json{{"state", "unknown"},
                       {"behind", nullptr},
                       {"ahead", nullptr},
                       {"branch", nullptr},
                       {"local", nullptr},
                       {"upstream", nullptr},
                       {"checked_at", nullptr},
                       {"error", nullptr},
                       {"commits", json::array()},
                       {"image", nullptr},
                       {"previous_image", nullptr},
                       {"rollback_hint", nullptr}}));
  EXPECT_EQ(PreviousImageStatus(UpdateStatus{}, TwoSparks()).code(), ErrorCode::kNoPreviousImage);
}

TEST(UpdateJson, TheImageIsTheHeadsAndASparkWithoutItIsAMismatch) {
  Config config = TwoSparks();
  config.vllm.spark = "spark2";  // the head is whichever Spark runs vLLM
  UpdateStatus status;
  status.images = {{"spark1", std::nullopt}, {"spark2", Image(kNew)}};
  status.vllm_version = "0.11.1";
  const json image = UpdateJson(status, config, std::nullopt)["image"];
  EXPECT_EQ(image, (json{{"id", kNew},
                         {"built_at", "2026-11-24T09:41:07.500Z"},
                         {"vllm_version", "0.11.1"},
                         {"sparks", {{"spark1", nullptr}, {"spark2", kNew}}},
                         {"mismatch", true}}));
  status.images["spark1"] = Image(kNew);
  EXPECT_EQ(UpdateJson(status, config, std::nullopt)["image"]["mismatch"], false);
  status.images["spark1"]->created = "yesterday";  // unreadable: null, never a made-up time
  status.images["spark2"]->created = "yesterday";
  EXPECT_TRUE(UpdateJson(status, config, std::nullopt)["image"]["built_at"].is_null());
}

TEST(UpdateJson, APreviousImageCountsOnlyWhereARollbackWouldChangeTheLaunchImage) {
  const Config config = TwoSparks();
  UpdateStatus status;
  status.images = {{"spark1", Image(kNew)}, {"spark2", Image(kNew)}};
  status.previous = {{"spark1", std::nullopt}, {"spark2", Image(kNew)}};
  EXPECT_TRUE(UpdateJson(status, config, std::nullopt)["previous_image"].is_null());
  const Status same = PreviousImageStatus(status, config);
  EXPECT_EQ(same.code(), ErrorCode::kNoPreviousImage);
  EXPECT_NE(same.message().find("would change nothing"), std::string::npos) << same.message();

  status.previous["spark2"] = Image(kOld);  // only Spark 2 has one: it is the one shown
  const json previous = UpdateJson(status, config, std::nullopt)["previous_image"];
  EXPECT_EQ(previous["id"], kOld) << previous.dump();
  EXPECT_EQ(previous["sparks"], (json{{"spark1", nullptr}, {"spark2", kOld}}));
  EXPECT_TRUE(PreviousImageStatus(status, config).ok());
}

TEST(UpdateJson, TheLastGoodCheckStaysBesideTheErrorAndTheHintIsEncoded) {
  UpdateStatus status;
  status.state = "behind";
  status.error = "git fetch failed: fatal: unable to access 'https://github.com/x/y/'";
  status.checkout = CheckoutReport{};
  status.checkout->behind = 2;
  status.checkout->ahead = 0;
  RollbackHint hint;
  hint.job = "j7";
  hint.update_job = "j6";
  hint.updated_at = WallTime{} + std::chrono::hours(24 * 365 * 57);
  hint.text = "This started after the update of 2026-12-01 10:32 UTC: Roll back";
  const json doc = UpdateJson(status, TwoSparks(), hint);
  EXPECT_EQ(doc["error"], "git fetch failed: fatal: unable to access 'https://github.com/x/y/'");
  EXPECT_EQ(doc["behind"], 2);
  EXPECT_EQ(doc["rollback_hint"]["job"], "j7");
  EXPECT_EQ(doc["rollback_hint"]["update_job"], "j6");
  EXPECT_TRUE(doc["rollback_hint"]["updated_at"].is_string());
  EXPECT_EQ(doc["rollback_hint"]["text"], hint.text);
}

}  // namespace
}  // namespace spark
