/* What-if shims for sync_bench: LD_PRELOAD libraries that emulate a proposed
 * change in the product without editing it, so that its gain can be measured
 * before anyone writes it (docs/performance.md "Sync (issue 3)"). EXPERIMENTS
 * ONLY: never preload these into a real tablet or hub. Not built by CMake.
 *
 *   WHATIF_NODELAY  TCP_NODELAY on every TCP socket (client and server), as if
 *                   field/src/sync_client.cc and hub/src/server.cc called
 *                   set_tcp_nodelay(true) on their httplib objects.
 *   WHATIF_ONEBOX   one X25519 agreement per thread instead of one per sealed
 *                   box: crypto_box_seal keeps its ephemeral key and
 *                   crypto_box_seal_open its shared key while the recipient /
 *                   ephemeral key stays the same. The output is still a valid
 *                   sealed box. Emulates "one key agreement per push request"
 *                   (insecure as is: the ephemeral key outlives the push).
 *   WHATIF_NOSYNC   fsync/fdatasync do nothing: an upper bound for what fewer
 *                   durable commits per request could gain (never safe).
 *
 * Build and use, e.g.:
 *   gcc -shared -fPIC -O2 -DWHATIF_NODELAY -DWHATIF_ONEBOX -o /tmp/whatif.so \
 *       bench/sync_whatif.c -lsodium -ldl
 *   LD_PRELOAD=/tmp/whatif.so build-syncbench/bench/sync_bench --no-pouchdb
 * The preload is inherited by the sweep-hub child, so both sides are affected.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>

#ifdef WHATIF_NODELAY
static void NoDelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int socket(int domain, int type, int protocol) {
  static int (*real)(int, int, int);
  if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  int fd = real(domain, type, protocol);
  if (fd >= 0 && (domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_STREAM) {
    NoDelay(fd);
  }
  return fd;
}

int accept(int s, struct sockaddr* addr, socklen_t* len) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
  int fd = real(s, addr, len);
  if (fd >= 0) NoDelay(fd);
  return fd;
}

int accept4(int s, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  int fd = real(s, addr, len, flags);
  if (fd >= 0) NoDelay(fd);
  return fd;
}
#endif

#ifdef WHATIF_ONEBOX
/* libsodium's sealed-box nonce: BLAKE2b-192(ephemeral_pk || recipient_pk). */
static void SealNonce(unsigned char nonce[24], const unsigned char* epk, const unsigned char* pk) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, NULL, 0, 24);
  crypto_generichash_update(&st, epk, 32);
  crypto_generichash_update(&st, pk, 32);
  crypto_generichash_final(&st, nonce, 24);
}

int crypto_box_seal(unsigned char* c, const unsigned char* m, unsigned long long mlen,
                    const unsigned char* pk) {
  static __thread unsigned char epk[32], esk[32], key[32], last_pk[32];
  static __thread int ready;
  if (!ready || memcmp(last_pk, pk, 32) != 0) {
    crypto_box_keypair(epk, esk);
    if (crypto_box_beforenm(key, pk, esk) != 0) return -1;
    memcpy(last_pk, pk, 32);
    ready = 1;
  }
  unsigned char nonce[24];
  SealNonce(nonce, epk, pk);
  memmove(c + 32, m, mlen);
  memcpy(c, epk, 32);
  return crypto_box_easy_afternm(c + 32, c + 32, mlen, nonce, key);
}

int crypto_box_seal_open(unsigned char* m, const unsigned char* c, unsigned long long clen,
                         const unsigned char* pk, const unsigned char* sk) {
  static __thread unsigned char key[32], last_epk[32];
  static __thread int ready;
  if (clen < 32 + crypto_box_MACBYTES) return -1;
  if (!ready || memcmp(last_epk, c, 32) != 0) {
    if (crypto_box_beforenm(key, c, sk) != 0) return -1;
    memcpy(last_epk, c, 32);
    ready = 1;
  }
  unsigned char nonce[24];
  SealNonce(nonce, c, pk);
  return crypto_box_open_easy_afternm(m, c + 32, clen - 32, nonce, key);
}
#endif

#ifdef WHATIF_NOSYNC
int fsync(int fd) {
  (void)fd;
  return 0;
}

int fdatasync(int fd) {
  (void)fd;
  return 0;
}
#endif
