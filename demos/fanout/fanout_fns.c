/* fanout_fns.c: the fan-out demo. `synth` is a producer: it publishes frames
 * of 256 float samples (a tone sweeping up and down, with a little noise) on
 * topic "audio", every 5 ms, whether or not anyone listens. `level_meter`
 * is a subscriber that may run on any worker: it turns each frame into a
 * text level meter. Other subscribers (a spectrum, a recorder) are in JS:
 * demos/fanout/run.mjs and the web page. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../common/demo_io.h"
#include "wmesh.h"

#define FRAME 256
#define RATE 48000.0f

/* synth runs until halted; the input (if any) is ignored. */
static int synth(wm_pipe in, wm_pipe out) {
  (void)in;
  (void)out;
  wm_topic t;
  int rc = wm_topic_make("audio", &t);
  if (rc) return rc;
  wm_pipe clock_r, clock_w; /* reads with a deadline pace the frames */
  if ((rc = wm_pipe_make(&clock_r, &clock_w))) {
    wm_topic_close(t);
    return rc;
  }
  wm_ready();
  float frame[FRAME];
  double phase = 0;
  uint32_t noise = 12345;
  for (uint32_t n = 0;; n++) {
    /* The pitch sweeps between 220 and 880 Hz over about three seconds. */
    double f = 550 + 330 * sin(n * 0.01);
    for (int i = 0; i < FRAME; i++) {
      noise = noise * 1664525u + 1013904223u;
      float hiss = ((float)(noise >> 9) / (float)(1 << 23) - 0.5f) * 0.05f;
      frame[i] = (float)(0.6 * sin(phase)) + hiss;
      phase += 2 * M_PI * f / RATE;
    }
    if (phase > 2 * M_PI * 1000) phase = fmod(phase, 2 * M_PI);
    if ((rc = wm_publish(t, frame, sizeof frame, -1))) break;
    char b;
    rc = (int)wm_read(clock_r, &b, 1, wm_now() + 5);
    if (rc != WM_ETIMEDOUT) break; /* halted */
  }
  wm_close(clock_r);
  wm_close(clock_w);
  wm_topic_close(t);
  return rc;
}
WM_EXPORT(synth)

/* level_meter reads [u32 worker][u32 frames] from its input, subscribes to
 * "audio" on that worker (dropping frames if it falls behind), and writes
 * one line per frame: its sequence number, the frames it missed, and a bar
 * as long as the frame's RMS level. */
static int level_meter(wm_pipe in, wm_pipe out) {
  uint8_t req[8];
  int rc = demo_read_full(in, req, sizeof req);
  if (rc) return rc;
  uint32_t where = demo_get32(req), frames = demo_get32(req + 4);
  wm_pipe r;
  wm_call c;
  if ((rc = wm_subscribe("audio", (int)where, WM_SUB_DROP, 8, &r, &c)))
    return rc;
  for (uint32_t k = 0; k < frames && !rc; k++) {
    uint8_t hdr[16];
    float s[FRAME];
    if ((rc = demo_read_full(r, hdr, sizeof hdr))) break;
    if (demo_get32(hdr + 12) != sizeof s) {
      rc = DEMO_EFORMAT;
      break;
    }
    if ((rc = demo_read_full(r, s, sizeof s))) break;
    double sum = 0;
    for (int i = 0; i < FRAME; i++) sum += (double)s[i] * s[i];
    int bar = (int)(sqrt(sum / FRAME) * 60);
    char line[96];
    int len = 0;
    uint32_t seq = demo_get32(hdr), missed = demo_get32(hdr + 8);
    char num[12];
    int d = 0;
    do num[d++] = (char)('0' + seq % 10);
    while ((seq /= 10) && d < 10);
    while (d) line[len++] = num[--d];
    line[len++] = missed ? '!' : ' ';
    line[len++] = '|';
    for (int i = 0; i < bar && len < 90; i++) line[len++] = '#';
    line[len++] = '\n';
    rc = wm_write(out, line, (size_t)len, -1);
  }
  wm_close(r); /* leaves the topic */
  return rc;
}
WM_EXPORT(level_meter)
