// spark-control's SSH identity: generated once with the real ssh-keygen, fingerprints equal to
// what `ssh-keygen -lf` prints.
#include "controller/ssh_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

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
  EXPECT_EQ(missing.status().code(), "not_found");
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
    EXPECT_EQ(PublicKeyFingerprint(junk).status().code(), "invalid_field") << junk;
  }
}

}  // namespace
}  // namespace spark
