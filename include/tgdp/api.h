/* The export macro of the public API. The library is built with -fvisibility=hidden; every public
 * header wraps its declarations in TGDP_API_BEGIN ... TGDP_API_END, so exactly what the headers
 * of include/tgdp declare is exported from libtgdp.so (tests/cli_install.sh checks `nm -D`). */
#ifndef TGDP_API_H
#define TGDP_API_H

#if defined(__GNUC__) || defined(__clang__)
#define TGDP_API_BEGIN _Pragma("GCC visibility push(default)")
#define TGDP_API_END _Pragma("GCC visibility pop")
#else
#define TGDP_API_BEGIN
#define TGDP_API_END
#endif

#endif
