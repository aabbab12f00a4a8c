// docs/openapi.yaml against the code: it documents exactly the routes of AppRoutes (method and
// path pattern, both ways: a route without an entry fails, and so does an entry without a
// route), and its ErrorCode enum is the wire names of exporter/error_code.h, in table order.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "exporter/error_code.h"
#include "support/in_process_app.h"
#include "support/refusing_http.h"

namespace spark {
namespace {

const std::filesystem::path kDocumentPath =
    std::filesystem::path(SPARK_SOURCE_DIR) / "docs" / "openapi.yaml";

// The document, or a null node (and a test failure) when it does not parse.
YAML::Node LoadApiDocument() {
  try {
    return YAML::LoadFile(kDocumentPath.string());
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << kDocumentPath << ": " << e.what();
    return YAML::Node();
  }
}

ConfigSources DefaultConfigIn(const std::filesystem::path& dir) {
  ConfigSources sources;
  sources.overlay_file = dir / "config.yaml";
  return sources;
}

// "METHOD /pattern" of every operation of the document's `paths`.
std::set<std::string> DocumentedOperations(const YAML::Node& document) {
  static const std::vector<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                    "options", "head", "patch", "trace"};
  std::set<std::string> operations;
  for (const auto& path : document["paths"]) {
    for (const std::string& method : kMethods) {
      if (!path.second[method]) continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      operations.insert(upper + " " + path.first.as<std::string>());
    }
  }
  return operations;
}

TEST(OpenApiDocument, ListsExactlyTheRoutesOfTheRouteTable) {
  const YAML::Node document = LoadApiDocument();
  ASSERT_TRUE(document["paths"].IsMap());
  test::InProcessApp in_process(DefaultConfigIn, test::RefusingHttpFactory(), "test");
  std::set<std::string> routed;
  for (const Route& route : in_process.routes) routed.insert(route.method + " " + route.pattern);
  ASSERT_EQ(routed.size(), in_process.routes.size()) << "a method and pattern routed twice";

  const std::set<std::string> documented = DocumentedOperations(document);
  for (const std::string& route : routed) {
    EXPECT_TRUE(documented.contains(route)) << route << " is routed but not in " << kDocumentPath;
  }
  for (const std::string& operation : documented) {
    EXPECT_TRUE(routed.contains(operation))
        << operation << " is in " << kDocumentPath << " but no route answers it";
  }
}

TEST(OpenApiDocument, ErrorCodeEnumIsEveryWireNameOfTheTable) {
  const YAML::Node document = LoadApiDocument();
  const YAML::Node codes = document["components"]["schemas"]["ErrorCode"]["enum"];
  ASSERT_TRUE(codes.IsSequence());
  std::vector<std::string> documented;
  for (const auto& code : codes) documented.push_back(code.as<std::string>());
  std::vector<std::string> table;
  for (const ErrorCodeInfo& info : ErrorCodeTable()) table.emplace_back(info.name);
  const std::set<std::string> in_document(documented.begin(), documented.end());
  const std::set<std::string> in_table(table.begin(), table.end());
  for (const std::string& name : table) {
    EXPECT_TRUE(in_document.contains(name)) << name << " is missing from the ErrorCode enum";
  }
  for (const std::string& name : documented) {
    EXPECT_TRUE(in_table.contains(name)) << name << " is not a code of error_code.h";
  }
  EXPECT_EQ(documented, table) << "the enum lists the codes in the table's order";
  // The error object's `code` is that enum.
  EXPECT_EQ(document["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
                    ["$ref"]
                        .as<std::string>(),
            "#/components/schemas/ErrorCode");
}

}  // namespace
}  // namespace spark
