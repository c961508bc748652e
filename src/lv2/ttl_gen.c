/* semeq_lv2_ttl MODEL BUNDLE_DIR: writes the Turtle files of semeq-eq.lv2 (manifest.ttl,
 * semeq-eq.ttl) for the model the bundle ships, run by the build.
 *
 * The `from` and `to` ports are integer ports whose scale points are the model's
 * vocabulary, read here through the public API (src/semeq.h): labels always match the
 * bundled model, whatever it is. Port indices come from ports.h, as in the plug-in.
 * Files are written under a temporary name and renamed. Exit status 1 with one line on
 * failure. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"
#include "semeq.h"

typedef struct out {
    FILE *f;
    char path[4096], tmp[4200];
} out;

static bool open_out(out *o, const char *dir, const char *name)
{
    snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path);
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        perror(o->tmp);
    return o->f != NULL;
}

static bool close_out(out *o)
{
    bool ok = !ferror(o->f);
    ok = fclose(o->f) == 0 && ok;
    if (ok && rename(o->tmp, o->path) != 0)
        ok = false;
    if (!ok) {
        perror(o->path);
        remove(o->tmp);
    }
    return ok;
}

static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->f, fmt, ap);
    va_end(ap);
}

/* A Turtle string literal's body: quotes, backslashes and line breaks escaped. */
static void put_string(out *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            put(o, "\\%c", *s);
        else if (*s == '\n')
            put(o, "\\n");
        else if (*s == '\r')
            put(o, "\\r");
        else if (*s == '\t')
            put(o, "\\t");
        else
            fputc(*s, o->f);
    }
}

static const char PREFIXES[] = "@prefix atom:  <http://lv2plug.in/ns/ext/atom#> .\n"
                               "@prefix doap:  <http://usefulinc.com/ns/doap#> .\n"
                               "@prefix log:   <http://lv2plug.in/ns/ext/log#> .\n"
                               "@prefix lv2:   <http://lv2plug.in/ns/lv2core#> .\n"
                               "@prefix patch: <http://lv2plug.in/ns/ext/patch#> .\n"
                               "@prefix rdf:   <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
                               "@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .\n"
                               "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
                               "@prefix units: <http://lv2plug.in/ns/extensions/units#> .\n"
                               "@prefix urid:  <http://lv2plug.in/ns/ext/urid#> .\n"
                               "@prefix work:  <http://lv2plug.in/ns/ext/worker#> .\n\n";

static void term_port(out *o, const semeq_model *m, int index, const char *symbol, const char *name, int def)
{
    int n = semeq_model_term_count(m);
    put(o, "    [\n        a lv2:InputPort , lv2:ControlPort ;\n        lv2:index %d ;\n", index);
    put(o, "        lv2:symbol \"%s\" ;\n        lv2:name \"%s\" ;\n", symbol, name);
    put(o,
        "        rdfs:comment \"a word of the model's vocabulary (the bundled model's; a model the host "
        "loads has its own, by index)\" ;\n");
    put(o, "        lv2:portProperty lv2:integer , lv2:enumeration ;\n");
    put(o, "        lv2:default %d ;\n        lv2:minimum 0 ;\n        lv2:maximum %d ;\n", def, n - 1);
    put(o, "        lv2:scalePoint ");
    for (int i = 0; i < n; i++) {
        put(o, "%s[ rdfs:label \"", i ? " ,\n            " : "");
        put_string(o, semeq_model_term(m, i));
        put(o, "\" ; rdf:value %d ]", i);
    }
    put(o, "\n    ] , ");
}

static void control_port(out *o, int index, const char *symbol, const char *name, const char *comment, float def,
                         float min, float max, const char *extra)
{
    put(o, "[\n        a lv2:InputPort , lv2:ControlPort ;\n        lv2:index %d ;\n", index);
    put(o, "        lv2:symbol \"%s\" ;\n        lv2:name \"%s\" ;\n        rdfs:comment \"%s\" ;\n", symbol, name,
        comment);
    put(o, "        lv2:default %g ;\n        lv2:minimum %g ;\n        lv2:maximum %g ;\n%s    ] , ", def, min, max,
        extra);
}

static void output_port(out *o, int index, const char *symbol, const char *name, float min, float max, const char *unit)
{
    put(o, "[\n        a lv2:OutputPort , lv2:ControlPort ;\n        lv2:index %d ;\n", index);
    put(o, "        lv2:symbol \"%s\" ;\n        lv2:name \"%s\" ;\n", symbol, name);
    put(o, "        lv2:minimum %g ;\n        lv2:maximum %g ;\n", min, max);
    if (unit)
        put(o, "        units:unit units:%s ;\n", unit);
    put(o, "    ] , ");
}

static void atom_port(out *o, int index, bool input, const char *symbol, const char *name)
{
    put(o, "[\n        a lv2:%s , atom:AtomPort ;\n        atom:bufferType atom:Sequence ;\n",
        input ? "InputPort" : "OutputPort");
    put(o, "        atom:supports patch:Message ;\n        lv2:designation lv2:control ;\n");
    put(o, "        lv2:portProperty lv2:connectionOptional ;\n");
    put(o, "        lv2:index %d ;\n        lv2:symbol \"%s\" ;\n        lv2:name \"%s\" ;\n    ] , ", index, symbol,
        name);
}

static const struct {
    const char *symbol, *name, *unit;
    float min, max;
} EQ_PORTS[SEMEQ_LV2_EQ_PORTS] = {
    {"ls_gain", "Low shelf gain", "db", -24, 24},
    {"ls_freq", "Low shelf frequency", "hz", 10, 24000},
    {"p1_gain", "Peak 1 gain", "db", -24, 24},
    {"p1_freq", "Peak 1 frequency", "hz", 10, 24000},
    {"p1_q", "Peak 1 Q", NULL, 0.1f, 10},
    {"p2_gain", "Peak 2 gain", "db", -24, 24},
    {"p2_freq", "Peak 2 frequency", "hz", 10, 24000},
    {"p2_q", "Peak 2 Q", NULL, 0.1f, 10},
    {"p3_gain", "Peak 3 gain", "db", -24, 24},
    {"p3_freq", "Peak 3 frequency", "hz", 10, 24000},
    {"p3_q", "Peak 3 Q", NULL, 0.1f, 10},
    {"hs_gain", "High shelf gain", "db", -24, 24},
    {"hs_freq", "High shelf frequency", "hz", 10, 24000},
};

static void plugin(out *o, const semeq_model *m, const char *uri, int channels)
{
    put(o, "<%s>\n    a lv2:Plugin , lv2:EQPlugin ;\n", uri);
    put(o, "    doap:name \"semeq semantic EQ (%s)\" ;\n", channels == 1 ? "mono" : "stereo");
    put(o,
        "    rdfs:comment \"An EQ steered by words: from one term of a semeq model towards another, "
        "at an intensity.\" ;\n");
    put(o, "    lv2:minorVersion %d ;\n    lv2:microVersion %d ;\n", SEMEQ_VERSION_MINOR, SEMEQ_VERSION_PATCH);
    put(o,
        "    lv2:optionalFeature lv2:hardRTCapable , urid:map , work:schedule , log:log , state:mapPath , "
        "state:freePath ;\n");
    put(o, "    lv2:extensionData work:interface , state:interface ;\n");
    put(o, "    patch:writable <%s> ;\n    lv2:port\n", SEMEQ_LV2_URI_MODEL);
    term_port(o, m, PORT_FROM, "from", "From", 0);
    term_port(o, m, PORT_TO, "to", "To", semeq_model_term_count(m) - 1);
    control_port(o, PORT_AMOUNT, "amount", "Amount", "0: the from term, 1: the to term", SEMEQ_LV2_DEFAULT_AMOUNT, 0, 1,
                 "");
    control_port(o, PORT_INTENSITY, "intensity", "Intensity", "every gain of the EQ times this (0: flat)",
                 SEMEQ_LV2_DEFAULT_INTENSITY, 0, 1, "");
    control_port(o, PORT_OUTPUT_GAIN, "output_gain", "Output gain", "after the EQ; not applied when bypassed", 0,
                 SEMEQ_LV2_OUTPUT_GAIN_MIN, SEMEQ_LV2_OUTPUT_GAIN_MAX, "        units:unit units:db ;\n");
    control_port(o, PORT_ENABLED, "enabled", "Enabled", "0 bypasses, with a 20 ms crossfade", 1, 0, 1,
                 "        lv2:designation lv2:enabled ;\n        lv2:portProperty lv2:toggled , lv2:integer ;\n");
    atom_port(o, PORT_CONTROL, true, "control", "Control");
    atom_port(o, PORT_NOTIFY, false, "notify", "Notify");
    output_port(o, PORT_FIT_ERROR, "fit_error", "Fit error", -1, 24, "db");
    for (int j = 0; j < SEMEQ_LV2_EQ_PORTS; j++)
        output_port(o, PORT_EQ_FIRST + j, EQ_PORTS[j].symbol, EQ_PORTS[j].name, EQ_PORTS[j].min, EQ_PORTS[j].max,
                    EQ_PORTS[j].unit);
    static const char *const sym[2][2][2] = {{{"in", "in"}, {"out", "out"}}, {{"in_l", "in_r"}, {"out_l", "out_r"}}};
    static const char *const names[2][2][2] = {{{"In", "In"}, {"Out", "Out"}},
                                               {{"In left", "In right"}, {"Out left", "Out right"}}};
    for (int dir = 0; dir < 2; dir++)
        for (int c = 0; c < channels; c++) {
            bool last = dir == 1 && c == channels - 1;
            put(o, "[\n        a lv2:%s , lv2:AudioPort ;\n        lv2:index %d ;\n", dir ? "OutputPort" : "InputPort",
                PORT_AUDIO_FIRST + dir * channels + c);
            put(o, "        lv2:symbol \"%s\" ;\n        lv2:name \"%s\" ;\n    ]%s", sym[channels - 1][dir][c],
                names[channels - 1][dir][c], last ? " .\n\n" : " , ");
        }
}

static bool write_manifest(const char *dir)
{
    out o;
    if (!open_out(&o, dir, "manifest.ttl"))
        return false;
    put(&o, "%s", PREFIXES);
    const char *uris[2] = {SEMEQ_LV2_URI_MONO, SEMEQ_LV2_URI_STEREO};
    for (int i = 0; i < 2; i++)
        put(&o, "<%s>\n    a lv2:Plugin ;\n    lv2:binary <semeq-eq.so> ;\n    rdfs:seeAlso <semeq-eq.ttl> .\n\n",
            uris[i]);
    return close_out(&o);
}

static bool write_plugins(const char *dir, const semeq_model *m)
{
    out o;
    if (!open_out(&o, dir, "semeq-eq.ttl"))
        return false;
    put(&o, "%s", PREFIXES);
    put(&o, "<%s>\n    a lv2:Parameter ;\n    rdfs:label \"Model file\" ;\n", SEMEQ_LV2_URI_MODEL);
    put(&o, "    rdfs:comment \"a semeq model (.safetensors); the bundled one when unset\" ;\n");
    put(&o, "    rdfs:range atom:Path .\n\n");
    plugin(&o, m, SEMEQ_LV2_URI_MONO, 1);
    plugin(&o, m, SEMEQ_LV2_URI_STEREO, 2);
    return close_out(&o);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL BUNDLE_DIR\n", argv[0]);
        return 2;
    }
    char err[1024];
    semeq_model *m;
    if (semeq_model_load(argv[1], &m, err, sizeof err) != SEMEQ_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    int status = 0;
    if (semeq_model_term_count(m) < 1) {
        fprintf(stderr, "%s: the model has no vocabulary: the plug-in cannot offer terms\n", argv[1]);
        status = 1;
    } else if (!write_plugins(argv[2], m) || !write_manifest(argv[2])) {
        status = 1;
    }
    semeq_model_free(m);
    return status;
}
