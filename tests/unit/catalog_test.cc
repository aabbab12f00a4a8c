// The model catalog: the bundled models.yaml, custom models and overrides in the data dir,
// ids derived from repos, overrides merged into the vLLM args.
#include "controller/catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spark {
namespace {

using nlohmann::json;

SystemClock& TestClock() {
  static SystemClock clock;
  return clock;
}

std::unique_ptr<Catalog> Open(const std::filesystem::path& dir) {
  auto catalog = Catalog::Open(BundledCatalogYaml(), "models.yaml", dir, TestClock());
  EXPECT_TRUE(catalog.ok()) << catalog.status().message();
  return catalog.ok() ? std::move(catalog).value() : nullptr;
}

json CustomModel(const std::string& repo) {
  return {{"name", "Mine"}, {"hf_repo", repo}, {"mode", "solo"}};
}

TEST(Catalog, TheBundledCatalogHasTheFiveDocumentedModels) {
  test::TempDir dir;
  auto catalog = Open(dir.path());
  std::vector<std::string> ids;
  for (const auto& e : catalog->List()) ids.push_back(e.model.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"qwen3-vl", "gemma4", "qwen36", "qwen3-235b-fp8",
                                           "qwen2.5-72b"}));
  const auto big = catalog->Find("qwen3-235b-fp8");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->model.mode, ModelMode::kCluster);
  EXPECT_EQ(big->model.hf_repo, "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8");
  // Bundled models have no served name: vLLM serves them under their repo.
  EXPECT_EQ(catalog->FindServed("RedHatAI/Qwen3.6-35B-A3B-NVFP4")->model.id, "qwen36");
  EXPECT_FALSE(catalog->FindServed("nobody/serves-this"));
}

TEST(Catalog, IdsAreDerivedFromTheRepoName) {
  EXPECT_EQ(DeriveModelId("Qwen/Qwen3-0.6B"), "qwen3-0-6b");
  EXPECT_EQ(DeriveModelId("google/gemma-4-26B-A4B-it"), "gemma-4-26b-a4b-it");
  EXPECT_EQ(DeriveModelId("solo_name__x"), "solo-name-x");
  EXPECT_EQ(DeriveModelId("org/---"), "");
}

TEST(Catalog, BadCatalogEntriesNameTheirField) {
  struct Case {
    json tree;
    std::string field;
  };
  const json ok = {{"id", "a"}, {"name", "A"}, {"hf_repo", "o/a"}, {"mode", "solo"}};
  auto with = [&](const std::string& key, const json& value) {
    json model = ok;
    if (value.is_null()) {
      model.erase(key);
    } else {
      model[key] = value;
    }
    return json{{"models", {model}}};
  };
  for (const Case& c : std::vector<Case>{
           {with("colour", "red"), "models[0].colour"},
           {with("hf_repo", "a/b/c"), "models[0].hf_repo"},
           {with("hf_repo", "x$(reboot)"), "models[0].hf_repo"},
           {with("mode", "duo"), "models[0].mode"},
           {with("name", nullptr), "models[0].name"},
           {with("id", "Bad Id"), "models[0].id"},
           {with("args", json::array({"--port", "1"})), "models[0].args[0]"},
           {with("args", json::array({"--max-model-len", "x;y"})), "models[0].args[1]"},
           {with("swap_timeout_s", 1), "models[0].swap_timeout_s"},
           {json{{"models", {ok, ok}}}, "models[1].id"},
       }) {
    const auto decoded = DecodeCatalog(c.tree, ModelSource::kBundled);
    ASSERT_FALSE(decoded.ok()) << c.tree.dump();
    EXPECT_EQ(decoded.status().field(), c.field) << decoded.status().message();
  }
}

TEST(Catalog, OverridesReplaceTheSameFlagInTheArgs) {
  CatalogModel model;
  model.args = {"--max-model-len", "8192", "--enable-prefix-caching", "--kv-cache-dtype", "auto",
                "--seed",          "1"};
  ModelOverrides o;
  o.max_model_len = 32768;
  o.prefix_caching = false;
  o.fp8_kv_cache = true;
  o.gpu_memory_utilization = 0.85;
  EXPECT_EQ(EffectiveArgs(model, o),
            (std::vector<std::string>{"--seed", "1", "--max-model-len", "32768",
                                      "--gpu-memory-utilization", "0.85",
                                      "--no-enable-prefix-caching", "--kv-cache-dtype", "fp8"}));
  ModelOverrides off;
  off.fp8_kv_cache = false;  // removes the flag: vLLM's default cache dtype
  EXPECT_EQ(EffectiveArgs(model, off),
            (std::vector<std::string>{"--max-model-len", "8192", "--enable-prefix-caching",
                                      "--seed", "1"}));
  EXPECT_EQ(EffectiveArgs(model, {}), model.args);
}

TEST(Catalog, OverridePatchesAreCheckedAndNullClears) {
  auto set = PatchOverrides({}, json{{"max_model_len", 4096}, {"fastsafetensors", true}});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->max_model_len, 4096);
  auto cleared = PatchOverrides(*set, json{{"max_model_len", nullptr}});
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->max_model_len);
  EXPECT_EQ(cleared->fastsafetensors, true);
  for (const json& bad : {json{{"gpu_memory_utilization", 50}}, json{{"max_model_len", 0}},
                          json{{"max_model_len", 1.5}}, json{{"prefix_caching", "yes"}},
                          json{{"tensor_parallel", 2}}}) {
    const auto r = PatchOverrides({}, bad);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.status().field(), bad.begin().key());
  }
}

TEST(Catalog, TrustRemoteCodeIsStoredButOnlyWrittenWithTheOperatorsConsent) {
  test::TempDir dir;
  json body = CustomModel("Qwen/Qwen3-0.6B");
  body["args"] = {"--trust-remote-code"};
  const auto refused = DecodeCustomModel(body);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().field(), "args[0]");
  EXPECT_NE(refused.status().message().find("security.allow_trust_remote_code"), std::string::npos);
  auto allowed = DecodeCustomModel(body, {.allow_trust_remote_code = true});
  ASSERT_TRUE(allowed.ok()) << allowed.status().message();
  {
    auto catalog = Open(dir.path());
    ASSERT_TRUE(catalog->Add(*allowed).ok());
  }
  // Reopened while the operator no longer allows it: the model stays in the catalog (nothing
  // is set aside), its settings cannot change, and it cannot launch (CommandBuilder).
  auto catalog = Open(dir.path());
  EXPECT_TRUE(catalog->notes().empty());
  ASSERT_TRUE(catalog->Find("qwen3-0-6b"));
  const auto patched = catalog->PatchOverrides("qwen3-0-6b", json{{"max_model_len", 4096}});
  EXPECT_EQ(patched.status().field(), "args[0]");
  EXPECT_FALSE(catalog->Find("qwen3-0-6b")->overrides.max_model_len);
  EXPECT_TRUE(catalog
                  ->PatchOverrides("qwen3-0-6b", json{{"max_model_len", 4096}},
                                   {.allow_trust_remote_code = true})
                  .ok());
}

TEST(Catalog, CustomModelsAndOverridesPersistAcrossRestarts) {
  test::TempDir dir;
  {
    auto catalog = Open(dir.path());
    auto model = DecodeCustomModel(CustomModel("Qwen/Qwen3-0.6B"));
    ASSERT_TRUE(model.ok());
    ASSERT_TRUE(catalog->Add(*model).ok());
    EXPECT_EQ(catalog->Add(*model).status().code(), ErrorCode::kConflict);
    ASSERT_TRUE(catalog->PatchOverrides("qwen36", json{{"max_model_len", 65536}}).ok());
    EXPECT_EQ(catalog->Remove("qwen36").code(), ErrorCode::kBundledModel);
    EXPECT_EQ(catalog->Remove("nope").code(), ErrorCode::kNotFound);
  }
  auto reopened = Open(dir.path());
  const auto custom = reopened->Find("qwen3-0-6b");
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->model.source, ModelSource::kCustom);
  EXPECT_EQ(reopened->Find("qwen36")->overrides.max_model_len, 65536);
  ASSERT_TRUE(reopened->Remove("qwen3-0-6b").ok());
  EXPECT_FALSE(Open(dir.path())->Find("qwen3-0-6b"));
}

TEST(Catalog, ACorruptDataFileIsSetAsideNotFatal) {
  test::TempDir dir;
  std::ofstream(dir / "models-custom.yaml")
      << "models: [ {name: x, hf_repo: \"a;b\", mode: solo} ]\n";
  std::ofstream(dir / "models-overrides.yaml") << "qwen36: {max_model_len: -1}\n";
  auto catalog = Open(dir.path());
  EXPECT_EQ(catalog->List().size(), 5u);
  EXPECT_EQ(catalog->notes().size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir / "models-custom.yaml"));
  bool kept = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    kept = kept || entry.path().filename().string().starts_with("models-custom.yaml.corrupt-");
  }
  EXPECT_TRUE(kept);
}

TEST(Catalog, AnInvalidBundledCatalogIsAnError) {
  test::TempDir dir;
  EXPECT_FALSE(Catalog::Open("models: [{id: x}]", "ops.yaml", dir.path(), TestClock()).ok());
  EXPECT_FALSE(Catalog::Open("models: [", "ops.yaml", dir.path(), TestClock()).ok());
}

}  // namespace
}  // namespace spark
