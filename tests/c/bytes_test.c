/* bytes_test.c: the byte ring (src/core/bytes.c), checked against a plain
 * array model through wrap-around and growth. */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "check.h"

static uint32_t rng = 12345;

static uint32_t next_rand(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void push_pop_in_order(void) {
  wm__bytes b = {0};
  CHECK_EQ(wm__bytes_push(&b, "hello ", 6), 0);
  CHECK_EQ(wm__bytes_push(&b, "world", 5), 0);
  CHECK_EQ(b.len, 11);
  char out[32] = {0};
  CHECK_EQ(wm__bytes_pop(&b, out, 3), 3);
  CHECK_EQ(wm__bytes_pop(&b, out + 3, sizeof out), 8);
  CHECK(!strcmp(out, "hello world"));
  CHECK_EQ(b.len, 0);
  /* An emptied ring starts again at the front, so the next push does not
   * wrap for nothing. */
  CHECK_EQ(b.head, 0);
  wm__bytes_fini(&b);
  CHECK(b.buf == NULL && b.cap == 0 && b.len == 0);
}

static void zero_length_push(void) {
  wm__bytes b = {0};
  CHECK_EQ(wm__bytes_push(&b, NULL, 0), 0);
  CHECK_EQ(b.cap, 0);
  wm__bytes_fini(&b);
}

static void pop_null_discards(void) {
  wm__bytes b = {0};
  CHECK_EQ(wm__bytes_push(&b, "abcdef", 6), 0);
  CHECK_EQ(wm__bytes_pop(&b, NULL, 4), 4);
  char c[2];
  CHECK_EQ(wm__bytes_pop(&b, c, 2), 2);
  CHECK(c[0] == 'e' && c[1] == 'f');
  wm__bytes_fini(&b);
}

/* model_run drives the ring and a flat model with random pushes and pops,
 * the ring's capacity growing while its contents wrap. */
static void model_run(void) {
  enum {
    MODEL = 1 << 20
  };
  uint8_t *model = test_alloc(MODEL);
  uint8_t *tmp = test_alloc(70000);
  size_t mhead = 0, mlen = 0;
  uint8_t counter = 0;
  wm__bytes b = {0};
  for (int step = 0; step < 4000; step++) {
    size_t n = next_rand() % (step < 2000 ? 300 : 70000);
    if ((!mlen || next_rand() % 2) && mhead + mlen + n <= MODEL) {
      for (size_t i = 0; i < n; i++) tmp[i] = counter++;
      CHECK_EQ(wm__bytes_push(&b, tmp, n), 0);
      memcpy(model + mhead + mlen, tmp, n);
      mlen += n;
    } else {
      size_t got = wm__bytes_pop(&b, tmp, n);
      CHECK_EQ(got, n < mlen ? n : mlen);
      CHECK(memcmp(tmp, model + mhead, got) == 0);
      mhead += got;
      mlen -= got;
      if (!mlen) mhead = 0;
    }
    CHECK_EQ(b.len, mlen);
    CHECK(b.cap == 0 || (b.cap & (b.cap - 1)) == 0);
    CHECK(b.cap >= b.len);
    CHECK(b.len == 0 || b.head < b.cap);
  }
  wm__bytes_fini(&b);
  free(model);
  free(tmp);
}

/* Growth must keep the bytes of a ring that wraps around its end. */
static void grow_while_wrapped(void) {
  wm__bytes b = {0};
  uint8_t in[4096], out[8192];
  for (int i = 0; i < 4096; i++) in[i] = (uint8_t)i;
  CHECK_EQ(wm__bytes_push(&b, in, 4096), 0);
  CHECK_EQ(b.cap, 4096);
  CHECK_EQ(wm__bytes_pop(&b, out, 3000), 3000);
  CHECK_EQ(wm__bytes_push(&b, in, 2000), 0); /* wraps: 1096 + 2000 */
  CHECK_EQ(b.cap, 4096);
  CHECK_EQ(wm__bytes_push(&b, in, 4096), 0); /* grows while wrapped */
  CHECK_EQ(b.cap, 8192);
  CHECK_EQ(wm__bytes_pop(&b, out, sizeof out), 1096 + 2000 + 4096);
  CHECK(memcmp(out, in + 3000, 1096) == 0);
  CHECK(memcmp(out + 1096, in, 2000) == 0);
  CHECK(memcmp(out + 3096, in, 4096) == 0);
  wm__bytes_fini(&b);
}

static void push_overflow_refused(void) {
  wm__bytes b = {0};
  CHECK_EQ(wm__bytes_push(&b, "x", 1), 0);
  CHECK_EQ(wm__bytes_push(&b, "y", SIZE_MAX), WM_ENOMEM);
  CHECK_EQ(b.len, 1);
  wm__bytes_fini(&b);
}

/* A push that cannot grow appends nothing and leaves the ring usable. */
static void push_nomem_appends_nothing(void) {
  wm__bytes b = {0};
  uint8_t big[5000] = {1, 2, 3};
  CHECK_EQ(wm__bytes_push(&b, big, 100), 0);
  failalloc_arm(0);
  int rc = wm__bytes_push(&b, big, sizeof big);
  CHECK(failalloc_disarm());
  CHECK_EQ(rc, WM_ENOMEM);
  CHECK_EQ(b.len, 100);
  CHECK_EQ(b.cap, 4096);
  CHECK_EQ(wm__bytes_push(&b, big, sizeof big), 0);
  CHECK_EQ(b.len, 5100);
  uint8_t out[3];
  CHECK_EQ(wm__bytes_pop(&b, out, 3), 3);
  CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
  wm__bytes_fini(&b);
}

/* Room is one piece at the tail: after the data, or between a wrapped tail
 * and the head; committed room reads back in order with pushed bytes. */
static void room_and_commit(void) {
  wm__bytes b = {0};
  CHECK(wm__bytes_room(&b, 0) == NULL);
  uint8_t *at = wm__bytes_room(&b, 3000); /* an empty ring grows to fit */
  CHECK(at != NULL && b.cap == 4096);
  memset(at, 'a', 3000);
  wm__bytes_commit(&b, 3000);
  CHECK(wm__bytes_room(&b, 1096) == b.buf + 3000);
  CHECK(wm__bytes_room(&b, 1097) != NULL); /* grows: 8192 */
  CHECK_EQ(b.cap, 8192);
  CHECK_EQ(wm__bytes_pop(&b, NULL, 2000), 2000);
  CHECK_EQ(wm__bytes_push(&b, "bbbb", 4), 0);
  /* data 2000..3004; free 3004..8192 is one piece, 0..2000 another. */
  CHECK(wm__bytes_room(&b, 8192 - 3004) == b.buf + 3004);
  CHECK(wm__bytes_room(&b, 8192 - 3003) == NULL); /* fits only wrapped */
  CHECK_EQ(b.cap, 8192);
  uint8_t fill[5188];
  memset(fill, 'c', sizeof fill);
  CHECK_EQ(wm__bytes_push(&b, fill, sizeof fill), 0); /* now wraps: 0..0 */
  CHECK_EQ(wm__bytes_pop(&b, NULL, 1004), 1004);      /* head at 3004 */
  CHECK_EQ(wm__bytes_push(&b, "dd", 2), 0);           /* tail at 2 */
  CHECK(wm__bytes_room(&b, 3002) == b.buf + 2);       /* up to the head */
  memset(b.buf + 2, 'e', 3002);
  wm__bytes_commit(&b, 3002);
  CHECK_EQ(b.len, b.cap);
  uint8_t out[8192];
  CHECK_EQ(wm__bytes_pop(&b, out, sizeof out), 8192);
  CHECK(out[0] == 'c' && out[5187] == 'c' && out[5188] == 'd' &&
        out[5190] == 'e' && out[8191] == 'e');
  wm__bytes_fini(&b);
}

/* Regression, fixed: popping from a ring that has never held anything (or was
 * finished) passes NULL to memcpy and adds 0 to a NULL pointer, which is
 * undefined behaviour; UBSan stops here. bytes.h promises "up to n". */
static void pop_empty_ring(void) {
  wm__bytes b = {0};
  char c[4];
  CHECK_EQ(wm__bytes_pop(&b, c, sizeof c), 0);
  CHECK_EQ(wm__bytes_pop(&b, NULL, 1), 0);
}

int main(int argc, char **argv) {
  static const test_case t[] = {
      TEST(push_pop_in_order, 0),
      TEST(zero_length_push, 0),
      TEST(pop_null_discards, 0),
      TEST(model_run, 0),
      TEST(grow_while_wrapped, 0),
      TEST(push_overflow_refused, 0),
      TEST(push_nomem_appends_nothing, T_FAILALLOC),
      TEST(pop_empty_ring, 0),
      TEST(room_and_commit, 0),
  };
  return test_main(argc, argv, t, sizeof t / sizeof t[0]);
}
