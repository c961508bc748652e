/* Embedding semeq in C: a model file -> EQ settings for "term A towards term B".
 *
 *   cc embed.c $(pkg-config --cflags --libs semeq) -o embed
 *   ./embed models/safe_warm_bright.safetensors warm bright 0.3 0.7
 *
 * prints the kind of EQ and its parameters, one per line (the worked example of semeq.h,
 * with the arguments taken from the command line). spec/install_test.sh builds and runs it
 * against an installed libsemeq. */
#include <semeq.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s MODEL FROM TO AMOUNT INTENSITY\n", argv[0]);
        return 2;
    }
    char err[512];
    semeq_model *model;
    if (semeq_model_load(argv[1], &model, err, sizeof err) != SEMEQ_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    size_t size = semeq_scratch_size(model, 1);
    void *scratch = malloc(size);
    int from = semeq_model_term_index(model, argv[2]), to = semeq_model_term_index(model, argv[3]);
    semeq_eq eq;
    semeq_status st = scratch ? semeq_eq_for_terms(model, from, to, (float)atof(argv[4]), (float)atof(argv[5]), &eq,
                                                   scratch, size)
                              : SEMEQ_ERR_NOMEM;
    if (st != SEMEQ_OK) {
        fprintf(stderr, "%s -> %s: %s\n", argv[2], argv[3], semeq_status_str(st));
    } else {
        printf("%s %d\n", eq.kind == SEMEQ_EQ_SAFE ? "safe" : "graphic40", eq.nparams);
        for (int i = 0; i < eq.nparams; i++) printf("%.9g\n", eq.params[i]);
    }
    free(scratch);
    semeq_model_free(model);
    return st != SEMEQ_OK;
}
