/* The ports of semeq-eq.lv2, shared by the plug-in (plugin.c) and the generator of its
 * Turtle description (ttl_gen.c), so that an index can never mean one thing in the .ttl
 * and another in run().
 *
 * Both variants have the same control and atom ports at the same indices; the audio ports
 * come last (mono: in, out; stereo: in_l, in_r, out_l, out_r). */
#ifndef SEMEQ_LV2_PORTS_H
#define SEMEQ_LV2_PORTS_H

#define SEMEQ_LV2_URI_BASE "urn:semeq:lv2:"
#define SEMEQ_LV2_URI_MONO SEMEQ_LV2_URI_BASE "eq-mono"
#define SEMEQ_LV2_URI_STEREO SEMEQ_LV2_URI_BASE "eq-stereo"
/* The patch:Property of the model file a host chooses (atom:Path). */
#define SEMEQ_LV2_URI_MODEL SEMEQ_LV2_URI_BASE "model"

/* The default model, copied into the bundle next to the .so. */
#define SEMEQ_LV2_DEFAULT_MODEL "safe_warm_bright.safetensors"

enum semeq_lv2_port {
    PORT_FROM = 0, /* term index, integer, scale points from the model's vocabulary */
    PORT_TO,
    PORT_AMOUNT,      /* 0: from, 1: to */
    PORT_INTENSITY,   /* every gain of the EQ times this */
    PORT_OUTPUT_GAIN, /* dB, after the EQ (not applied when bypassed) */
    PORT_ENABLED,     /* lv2:enabled: 0 bypasses with a crossfade */
    PORT_CONTROL,     /* atom input: patch:Set / patch:Get of the model file */
    PORT_NOTIFY,      /* atom output: patch:Set replies */
    PORT_FIT_ERROR,   /* output: the 5-band fit's largest error in dB (-1: no fit) */
    PORT_EQ_FIRST,    /* outputs: the 13 SAFE parameters of the EQ in use */
    PORT_EQ_LAST = PORT_EQ_FIRST + 12,
    PORT_AUDIO_FIRST /* then nch inputs, then nch outputs */
};

#define SEMEQ_LV2_EQ_PORTS 13

/* Defaults of the controls, the same as scripts/apply.lua's (--alpha 0.5, --intensity 0.7);
 * `from` defaults to the first term of the vocabulary and `to` to the last. */
#define SEMEQ_LV2_DEFAULT_AMOUNT 0.5f
#define SEMEQ_LV2_DEFAULT_INTENSITY 0.7f
#define SEMEQ_LV2_OUTPUT_GAIN_MIN (-24.0f)
#define SEMEQ_LV2_OUTPUT_GAIN_MAX 24.0f

#endif
