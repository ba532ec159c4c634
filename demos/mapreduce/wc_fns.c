/* wc_fns.c: word count as map and reduce stages. The JS driver
 * (wordcount.js) splits a text into chunks at word boundaries, runs
 * wc_map on each chunk in parallel, and feeds all their outputs, one after
 * another, to one wc_reduce.
 *
 * A word is a run of ASCII letters, folded to lower case; anything else
 * separates words. Counts travel as text lines "word\tcount\n". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/demo_io.h"
#include "wmesh.h"

#define MAX_WORD 64 /* longer words are counted by their first 64 letters */

typedef struct entry {
  char *word; /* NULL: a free slot */
  uint64_t count;
} entry;

/* table is an open-addressing hash table of words, doubled at half full. */
typedef struct table {
  entry *e;
  size_t cap, len;
} table;

static uint32_t hash(const char *s, size_t n) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
  return h;
}

static int grow(table *t) {
  size_t cap = t->cap ? t->cap * 2 : 1024;
  entry *e = calloc(cap, sizeof *e);
  if (!e) return WM_ENOMEM;
  for (size_t i = 0; i < t->cap; i++) {
    if (!t->e[i].word) continue;
    size_t j = hash(t->e[i].word, strlen(t->e[i].word)) & (cap - 1);
    while (e[j].word) j = (j + 1) & (cap - 1);
    e[j] = t->e[i];
  }
  free(t->e);
  t->e = e;
  t->cap = cap;
  return 0;
}

/* add adds count to word (n letters, not NUL-terminated). */
static int add(table *t, const char *w, size_t n, uint64_t count) {
  if (2 * (t->len + 1) > t->cap && grow(t)) return WM_ENOMEM;
  size_t j = hash(w, n) & (t->cap - 1);
  while (t->e[j].word) {
    if (!strncmp(t->e[j].word, w, n) && !t->e[j].word[n]) {
      t->e[j].count += count;
      return 0;
    }
    j = (j + 1) & (t->cap - 1);
  }
  char *s = malloc(n + 1);
  if (!s) return WM_ENOMEM;
  memcpy(s, w, n);
  s[n] = 0;
  t->e[j].word = s;
  t->e[j].count = count;
  t->len++;
  return 0;
}

static void table_free(table *t) {
  for (size_t i = 0; i < t->cap; i++) free(t->e[i].word);
  free(t->e);
}

/* by_count orders by count, largest first, then by word, so that the
 * reduce's output is one exact text whatever the order of its inputs. */
static int by_count(const void *a, const void *b) {
  const entry *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->word, y->word);
}

/* emit writes the table as "word\tcount\n" lines, sorted by by_count. */
static int emit(table *t, wm_pipe out) {
  size_t n = 0;
  for (size_t i = 0; i < t->cap; i++)
    if (t->e[i].word) t->e[n++] = t->e[i];
  qsort(t->e, n, sizeof *t->e, by_count);
  /* Entries were compacted to the front: keep the table valid for free. */
  for (size_t i = n; i < t->cap; i++) t->e[i].word = NULL;
  char buf[16384];
  size_t len = 0;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    if (len + MAX_WORD + 32 > sizeof buf) {
      rc = wm_write(out, buf, len, -1);
      len = 0;
    }
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\t%llu\n",
                            t->e[i].word, (unsigned long long)t->e[i].count);
  }
  if (!rc && len) rc = wm_write(out, buf, len, -1);
  return rc;
}

/* wc_map: text in, the count of each of its words out. It streams: a
 * chunk of any size is read piece by piece, with a word cut between two
 * reads carried over. */
static int wc_map(wm_pipe in, wm_pipe out) {
  table t = {0};
  char buf[65536], word[MAX_WORD];
  size_t wl = 0;
  int rc = 0;
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n < 0) rc = (int)n;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !rc; i++) {
      char c = buf[i];
      if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
      if (c >= 'a' && c <= 'z') {
        if (wl < MAX_WORD) word[wl++] = c;
      } else if (wl) {
        rc = add(&t, word, wl, 1);
        wl = 0;
      }
    }
    if (rc) break;
  }
  if (!rc && wl) rc = add(&t, word, wl, 1);
  if (!rc) rc = emit(&t, out);
  table_free(&t);
  return rc;
}
WM_EXPORT(wc_map)

/* wc_reduce: "word\tcount\n" lines in (any number of map outputs, one
 * after another), the summed counts out. */
static int wc_reduce(wm_pipe in, wm_pipe out) {
  table t = {0};
  char buf[65536], line[MAX_WORD + 32];
  size_t ll = 0;
  int rc = 0;
  for (;;) {
    ssize_t n = wm_read(in, buf, sizeof buf, -1);
    if (n < 0) rc = (int)n;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !rc; i++) {
      if (buf[i] != '\n') {
        if (ll == sizeof line)
          rc = DEMO_EFORMAT;
        else
          line[ll++] = buf[i];
        continue;
      }
      char *tab = memchr(line, '\t', ll);
      if (!tab || tab == line || tab == line + ll - 1) {
        rc = DEMO_EFORMAT;
        break;
      }
      uint64_t count = 0;
      for (char *p = tab + 1; p < line + ll; p++) {
        if (*p < '0' || *p > '9') rc = DEMO_EFORMAT;
        count = count * 10 + (uint64_t)(*p - '0');
      }
      if (!rc) rc = add(&t, line, (size_t)(tab - line), count);
      ll = 0;
    }
    if (rc) break;
  }
  if (!rc && ll) rc = DEMO_EFORMAT; /* a line without its newline */
  if (!rc) rc = emit(&t, out);
  table_free(&t);
  return rc;
}
WM_EXPORT(wc_reduce)
