/* registry_test.c: exportable functions (src/core/registry.c). A received
 * index becomes a call only through wm__registered, so anything not
 * registered must map to NULL. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "registry.h"

static int f_a(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 1;
}

static int f_b(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 2;
}

static int f_never(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  return 3;
}

WM_EXPORT(f_a)

static void exported_at_startup(void) {
  CHECK(wm_lookup("f_a") == f_a);
  uint32_t idx = wm__fn_index(f_a);
  CHECK(idx != 0);
  CHECK(wm__registered(idx) == f_a);
  CHECK(!strcmp(wm__registered_name(f_a), "f_a"));
}

static void bad_arguments(void) {
  CHECK_EQ(wm_register(NULL, f_b), WM_EINVAL);
  CHECK_EQ(wm_register("x", NULL), WM_EINVAL);
  CHECK(wm_lookup(NULL) == NULL);
  CHECK(wm_lookup("no such function") == NULL);
}

static void unregistered_is_refused(void) {
  CHECK_EQ(wm__fn_index(f_never), 0);
  CHECK(wm__registered_name(f_never) == NULL);
  CHECK(wm__registered(0) == NULL);
  for (uint32_t i = 1; i < 100000; i += 7) {
    wm_fn fn = wm__registered(i);
    CHECK(fn == NULL || wm__fn_index(fn) == i);
  }
  CHECK(wm__registered(0xffffffffu) == NULL);
}

static void register_twice_is_harmless(void) {
  CHECK_EQ(wm_register("f_b", f_b), 0);
  uint32_t idx = wm__fn_index(f_b);
  CHECK(idx != 0 && idx != wm__fn_index(f_a));
  CHECK_EQ(wm_register("f_b", f_b), 0);
  CHECK_EQ(wm__fn_index(f_b), idx);
  CHECK(wm__registered(idx) == f_b);
  CHECK(wm_lookup("f_b") == f_b);
}

/* Growth past the first allocation keeps every entry findable; the table
 * must stay sorted by index for the binary search. */
static void many_entries(void) {
  static char names[40][16];
  for (int i = 0; i < 40; i++) {
    snprintf(names[i], sizeof names[i], "alias%d", i);
    /* One function under many names registers once, as the first. */
    CHECK_EQ(wm_register(names[i], f_b), 0);
  }
  CHECK(!strcmp(wm__registered_name(f_b), "f_b"));
  CHECK(wm_lookup("alias7") == NULL);
  CHECK(wm_lookup("f_a") == f_a);
  CHECK(wm__registered(wm__fn_index(f_a)) == f_a);
  CHECK(wm__registered(wm__fn_index(f_b)) == f_b);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(exported_at_startup, 0),
      TEST(bad_arguments, 0),
      TEST(unregistered_is_refused, 0),
      TEST(register_twice_is_harmless, 0),
      TEST(many_entries, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
