/* errors_test.c: the error table (src/core/errors.c). */
#include <limits.h>
#include <string.h>

#include "check.h"

static void every_code_described(void) {
  for (int e = 0; e > WM_ERRMAX; e--) {
    const char *s = wm_strerror(e);
    CHECK(s != NULL && *s);
    CHECK(strcmp(s, "unknown error") != 0);
    for (int f = 0; f > e; f--) CHECK(strcmp(s, wm_strerror(f)) != 0);
  }
}

static void others_unknown(void) {
  const int others[] = {1,   42,    WM_ERRMAX, WM_ERRMAX - 1,
                        -99, -1000, INT_MIN,   INT_MAX};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
    CHECK(!strcmp(wm_strerror(others[i]), "unknown error"));
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(every_code_described, 0),
      TEST(others_unknown, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
