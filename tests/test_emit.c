/* The commands' output layer (src/cli/emit.c, compiled in here): one description gives the text
 * printf would print without the field markers, and JSON holding every field's argument (each
 * printf conversion kind, widths and precisions taken from '*', text-only conversions skipped,
 * non-finite numbers and NULL strings (cli_emit_str) as null, fields inside arrays as elements). */
#include "cli/emit.c"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* what one emitter run writes (run is called with the emitter) */
static const char *capture(int json, int digits, int wrap, void (*run)(cli_emit *))
{
    static char out[4096];
    FILE *f = tmpfile();
    if (!f) return "";
    cli_emit e;
    cli_emit_begin(&e, f, json, digits, wrap);
    run(&e);
    cli_emit_finish(&e);
    size_t n = (size_t)ftell(f);
    rewind(f);
    n = fread(out, 1, n < sizeof out - 1 ? n : sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    return out;
}

static void record(cli_emit *e)
{
    long long big = 1LL << 40;
    size_t sz = 7;
    cli_emitf(e, "{name:%-8s}|{n:%5lld}|{z:%zu}|{x:%6.2f}|{c:%c}|%d%%|%*s|{w:%-*s}|{u:%u}\n", "ab", big, sz, 3.14159, 'M',
              42, 3, "t", 4, "pad", 7u);
    cli_emit_str(e, "only_json", "yes");
    cli_emitf(e, "{nan:%g} {neg:%ld}\n", NAN, -5L);
    cli_emit_str(e, "none", NULL);
    cli_emit_array(e, "list");
    cli_emitf(e, "list:");
    for (int i = 0; i < 3; i++) cli_emitf(e, " {:%d}", i * i);
    cli_emitf(e, "\n");
    cli_emit_end(e);
    cli_emit_object(e, "obj");
    cli_emit_num(e, "third", 1.0 / 3.0);
    cli_emit_bool(e, "yes", 1);
    cli_emit_null(e, "nothing");
    cli_emit_int(e, "i", -3);
    cli_emit_end(e);
    cli_emitf(e, "text only %s %d\n", "line", 9);
}

static void quiet(cli_emit *e) { cli_emitf(e, "{a:%d}\n", 1); }

int main(void)
{
    const char *t = capture(0, 6, 0, record);
    CHECKF(!strcmp(t, "ab      |1099511627776|7|  3.14|M|42%|  t|pad |7\nnan -5\nlist: 0 1 4\ntext only line 9\n"),
           "text: [%s]", t);
    const char *j = capture(1, 6, 0, record);
    CHECKF(!strcmp(j, "{\"name\": \"ab\", \"n\": 1099511627776, \"z\": 7, \"x\": 3.14159, \"c\": \"M\", \"w\": \"pad\", \"u\": 7, "
                      "\"only_json\": \"yes\", \"nan\": null, \"neg\": -5, \"none\": null, \"list\": [0, 1, 4], "
                      "\"obj\": {\"third\": 0.333333, \"yes\": true, \"nothing\": null, \"i\": -3}}\n"),
           "json: [%s]", j);
    j = capture(1, 9, 1, record); /* 9 digits; top-level members on their own lines */
    CHECKF(strstr(j, "\"third\": 0.333333333") && strstr(j, "{\n  \"name\": \"ab\",\n  \"n\": ") && j[strlen(j) - 2] == '}',
           "json (9 digits, wrap 1): [%s]", j);
    cli_emit e; /* no stream: nothing at all, in either mode */
    cli_emit_begin(&e, NULL, 1, 6, 0);
    quiet(&e);
    cli_emit_finish(&e);
    CHECK(e.depth == 0);
    TEST_MAIN_END();
}
