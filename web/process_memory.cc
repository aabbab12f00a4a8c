#include "process_memory.h"

#include <malloc.h>
#include <openssl/crypto.h>

// GnuTLS initialises itself from a library constructor, before main(), unless the program
// defines this hook (a weak symbol of libgnutls, GNUTLS_3_4) returning non-zero. spark-control
// never uses GnuTLS: it is mapped only because Debian's libcurl links librtmp and libldap, which
// call gnutls_global_init themselves should they ever be used (rtmp:// and ldap:// URLs, which
// we never request). Skipping the implicit initialisation keeps ~0.8 MB of its pages (and
// p11-kit's) out of the resident set. The linker exports the definition, as a shared library
// of the link defines the symbol.
extern "C" int _gnutls_global_init_skip() { return 1; }

namespace spark {

void ApplyProcessMemorySettings() {
  mallopt(M_ARENA_MAX, kMallocArenas);
  // OpenSSL runs each part of its initialisation once: asking first for no error strings makes
  // the later requests of libcurl (OPENSSL_init_ssl) and libssh2 (OpenSSL_add_all_algorithms)
  // skip that part. The system configuration (openssl.cnf) is still loaded.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, nullptr);
}

}  // namespace spark
