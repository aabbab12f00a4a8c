// spark-control's SSH identity: generated once with the real ssh-keygen, fingerprints equal to
// what `ssh-keygen -lf` prints.
#include "controller/ssh_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "support/process.h"
#include "support/sshd.h"

namespace spark {
namespace {

using test::TempDir;

mode_t Mode(const std::filesystem::path& p) {
  struct stat st {};
  stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

TEST(SshKeys, GeneratesAnEd25519KeyOnceWithOwnerOnlyModes) {
  TempDir data;
  auto first = EnsureSshIdentity(data.path(), std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().message();
  const auto key = data / "ssh/id_ed25519";
  EXPECT_EQ(first->private_key, key);
  EXPECT_EQ(Mode(key), 0600u);
  EXPECT_EQ(Mode(data / "ssh"), 0700u);
  EXPECT_EQ(first->key_type, "ssh-ed25519");
  EXPECT_TRUE(first->public_key.starts_with("ssh-ed25519 AAAA")) << first->public_key;
  EXPECT_TRUE(first->public_key.ends_with(" spark-control")) << first->public_key;
  EXPECT_EQ(first->fingerprint, test::SshKeygenFingerprint(key.string() + ".pub"));
  for (const auto& entry : std::filesystem::directory_iterator(data / "ssh")) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".keygen-")) << entry.path();
  }

  auto second = EnsureSshIdentity(data.path(), std::nullopt);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->public_key, first->public_key);  // never regenerated
}

TEST(SshKeys, UsesTheConfiguredKeyAndNeverGeneratesOne) {
  TempDir data;
  TempDir keys;
  test::GenerateSshKey("ecdsa", keys / "id_ecdsa");
  auto id = EnsureSshIdentity(data.path(), (keys / "id_ecdsa").string());
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(id->key_type, "ecdsa-sha2-nistp256");
  EXPECT_EQ(id->fingerprint, test::SshKeygenFingerprint(keys / "id_ecdsa.pub"));

  auto missing = EnsureSshIdentity(data.path(), (keys / "nope").string());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(data / "ssh/id_ed25519"));
}

TEST(SshKeys, DerivesThePublicKeyFromAnOpenSshPrivateKey) {
  TempDir keys;
  test::GenerateSshKey("ed25519", keys / "k");
  const std::string expected = test::SshKeygenFingerprint(keys / "k.pub");
  std::filesystem::remove(keys / "k.pub");
  auto id = LoadSshIdentity(keys / "k");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(id->fingerprint, expected);
  EXPECT_TRUE(id->public_key.starts_with("ssh-ed25519 AAAA"));
  EXPECT_EQ(SshKeyType(keys / "k"), "ssh-ed25519");
}

TEST(SshKeys, TellsAnRsaKeyWithoutItsPublicHalf) {
  TempDir keys;
  test::GenerateSshKey("rsa", keys / "id_rsa");
  EXPECT_EQ(SshKeyType(keys / "id_rsa"), "ssh-rsa");
  std::filesystem::remove(keys / "id_rsa.pub");
  EXPECT_EQ(SshKeyType(keys / "id_rsa"), "ssh-rsa");
  EXPECT_EQ(SshKeyType(keys / "missing"), "");
}

TEST(SshKeys, FingerprintFormat) {
  // SHA-256 of nothing: e3b0c442…b855, base64 "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".
  const unsigned char digest[] = {0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
                                  0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
                                  0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
  EXPECT_EQ(FormatSha256Fingerprint(
                std::string_view(reinterpret_cast<const char*>(digest), sizeof digest)),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU");
  for (const char* junk :
       {"", "ssh-ed25519", "ssh-ed25519 !!!!", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA== x"}) {
    EXPECT_EQ(PublicKeyFingerprint(junk).status().code(), ErrorCode::kInvalidField) << junk;
  }
}

// A host key blob as a server sends it: string "ssh-ed25519", string 32 key bytes.
std::string Ed25519Blob(char fill) {
  std::string blob = std::string("\0\0\0\x0b", 4) + "ssh-ed25519" + std::string("\0\0\0\x20", 4);
  return blob + std::string(32, fill);
}

TEST(KnownHosts, TwoSparksConfirmedAtOnceBothStay) {
  TempDir data;
  const auto file = data / "ssh/known_hosts";
  constexpr int kPerThread = 60;
  std::vector<std::thread> threads;
  std::vector<std::string> failures[2];
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string name = "[10.0." + std::to_string(t) + "." + std::to_string(i) + "]:22";
        const Status s = StoreKnownHostKey(file, name, Ed25519Blob(static_cast<char>('a' + t)));
        if (!s.ok()) failures[t].push_back(s.message());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(failures[0].empty() && failures[1].empty())
      << ::testing::PrintToString(failures[0]) << ::testing::PrintToString(failures[1]);
  std::ifstream in(file);
  int lines = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    EXPECT_TRUE(line.starts_with("[10.0.")) << line;
    EXPECT_NE(line.find(" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"), std::string::npos) << line;
  }
  EXPECT_EQ(lines, 2 * kPerThread) << "a concurrent confirmation lost a line";
  for (const auto& entry : std::filesystem::directory_iterator(data / "ssh")) {
    EXPECT_EQ(entry.path().filename(), "known_hosts") << "left behind: " << entry.path();
  }
}

TEST(KnownHosts, AConfirmedKeyReplacesOnlyItsOwnHostsLines) {
  TempDir data;
  const auto file = data / "known_hosts";
  std::ofstream(file) << "other ssh-ed25519 AAAA keep\n[h]:2222 ssh-rsa AAAA old\n";
  ASSERT_TRUE(StoreKnownHostKey(file, "[h]:2222", Ed25519Blob('x')).ok());
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find("old"), std::string::npos) << text.str();
  EXPECT_TRUE(text.str().starts_with("other ssh-ed25519 AAAA keep\n[h]:2222 ssh-ed25519 "))
      << text.str();
  EXPECT_EQ(StoreKnownHostKey(file, "[h]:2222", "junk").code(), ErrorCode::kInvalidField);
  EXPECT_EQ(StoreKnownHostKey(file, "a b", Ed25519Blob('x')).code(), ErrorCode::kInvalidField);
}

}  // namespace
}  // namespace spark
