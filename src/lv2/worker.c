/* The plug-in's worker jobs: what run() asks and the worker thread does.
 *
 *   JOB_EQ    the setting of some controls, with the worker's model -> ANSWER_EQ
 *   JOB_LOAD  load a model file, then the setting of the controls with it -> ANSWER_LOAD
 *   JOB_FREE  free a model run() no longer uses (by id) -> no answer
 *
 * One JOB_EQ and one JOB_LOAD are out at a time (activate() may add one); run() asks
 * again for the latest controls when the answer is back, so the setting follows the
 * controls at the pace of the computation. An answer is used only if it still fits: computed with the model run()
 * uses, for the controls it asked last (activate() and a model swap ask anew). */
#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "plugin.h"

enum { JOB_EQ = 1, JOB_LOAD, JOB_FREE, ANSWER_EQ, ANSWER_LOAD };

typedef struct job_eq {
    uint32_t type;
    semeq_lv2_controls c;
} job_eq;

typedef struct job_load {
    uint32_t type, generation;
    float raw[4]; /* from, to, amount, intensity as the ports hold them */
    char path[SEMEQ_LV2_PATH_MAX];
} job_load;

typedef struct job_free {
    uint32_t type, id;
} job_free;

typedef struct answer_eq {
    uint32_t type, id; /* the model that computed it */
    semeq_lv2_controls c;
    semeq_status status;
    semeq_eq eq;
} answer_eq;

typedef struct answer_load {
    uint32_t type, generation, id;
    semeq_lv2_engine *engine; /* NULL: the load failed (the worker logged why) */
    semeq_lv2_controls c;
    semeq_status status;
    semeq_eq eq;
} answer_load;

/* ---------------------------------------------------------------- audio thread: asking */

void semeq_lv2_request_eq(semeq_lv2 *p, const semeq_lv2_controls *c)
{
    job_eq job = {JOB_EQ, *c};
    /* Marked before asking: a host may run the job and answer inside schedule_work. */
    semeq_lv2_controls before = p->asked;
    p->computing = true;
    p->asked = *c;
    if (p->schedule->schedule_work(p->schedule->handle, sizeof job, &job) != LV2_WORKER_SUCCESS) {
        p->computing = false;
        p->asked = before; /* asked again on the next run() */
    }
}

static void load_job(semeq_lv2 *p, const char *path, job_load *job)
{
    job->type = JOB_LOAD;
    job->generation = p->generation;
    const int ports[4] = {PORT_FROM, PORT_TO, PORT_AMOUNT, PORT_INTENSITY};
    for (int i = 0; i < 4; i++)
        job->raw[i] = p->controls[ports[i]] ? *p->controls[ports[i]] : NAN;
    strcpy(job->path, path);
}

/* path: shorter than SEMEQ_LV2_PATH_MAX (patch.c checks). */
void semeq_lv2_request_load(semeq_lv2 *p, const char *path)
{
    if (!p->schedule)
        return;       /* no worker: models change only through restore() */
    if (p->loading) { /* the latest wins */
        strcpy(p->next_path, path);
        p->load_waiting = true;
        return;
    }
    /* The job is built in the instance: too big for an audio thread's stack. */
    static_assert(sizeof(job_load) <= sizeof p->job_buffer, "job_buffer holds a load job");
    job_load *job = (job_load *)(void *)p->job_buffer;
    load_job(p, path, job);
    uint32_t size = (uint32_t)(offsetof(job_load, path) + strlen(path) + 1);
    p->loading = true;
    if (p->schedule->schedule_work(p->schedule->handle, size, job) != LV2_WORKER_SUCCESS)
        p->loading = false;
}

static void request_free(semeq_lv2 *p, uint32_t id)
{
    job_free job = {JOB_FREE, id};
    /* If the host's queue is full the model stays loaded until cleanup() frees it. */
    p->schedule->schedule_work(p->schedule->handle, sizeof job, &job);
}

/* ---------------------------------------------------------------- worker thread */

static void work_eq(semeq_lv2 *p, const job_eq *job, LV2_Worker_Respond_Function respond,
                    LV2_Worker_Respond_Handle handle)
{
    /* The controls were clamped to run()'s model: if the worker's is another (a new one on
     * its way to run()), its answer is dropped, or refused here if a term is out of range. */
    answer_eq a = {ANSWER_EQ, p->worker_engine_id, job->c, SEMEQ_ERR_ARG, {0}};
    a.status = semeq_lv2_engine_eq(p->worker_engine, ENGINE_WORKER, &job->c, &a.eq);
    respond(handle, sizeof a, &a);
}

static void work_load(semeq_lv2 *p, const job_load *job, LV2_Worker_Respond_Function respond,
                      LV2_Worker_Respond_Handle handle)
{
    answer_load a = {ANSWER_LOAD, job->generation, 0, NULL, {0, 0, 0, 0}, SEMEQ_ERR_ARG, {0}};
    char err[1024];
    semeq_lv2_engine *e;
    if (semeq_lv2_engine_load(job->path, false, &e, err, sizeof err) != SEMEQ_OK) {
        lv2_log_error(&p->logger, "semeq-eq: %s\n", err);
    } else if (!(a.id = semeq_lv2_adopt(p, e))) {
        lv2_log_error(&p->logger, "semeq-eq: %s: too many models loaded at once\n", job->path);
        semeq_lv2_engine_free(e);
    } else {
        a.engine = e;
        a.c = semeq_lv2_engine_controls(e, job->raw[0], job->raw[1], job->raw[2], job->raw[3]);
        a.status = semeq_lv2_engine_eq(e, ENGINE_WORKER, &a.c, &a.eq);
        if (job->generation == p->generation) { /* else restore() came in between */
            p->worker_engine = e;
            p->worker_engine_id = a.id;
        }
    }
    respond(handle, sizeof a, &a);
}

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    semeq_lv2 *p = instance;
    uint32_t type;
    if (size < sizeof type)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&type, data, sizeof type);
    if (type == JOB_EQ && size == sizeof(job_eq))
        work_eq(p, data, respond, handle);
    else if (type == JOB_LOAD && size > offsetof(job_load, path) && ((const char *)data)[size - 1] == '\0')
        work_load(p, data, respond, handle);
    else if (type == JOB_FREE && size == sizeof(job_free))
        semeq_lv2_release(p, ((const job_free *)data)->id);
    else
        return LV2_WORKER_ERR_UNKNOWN;
    return LV2_WORKER_SUCCESS;
}

/* ---------------------------------------------------------------- audio thread: answers */

static void answered_eq(semeq_lv2 *p, const answer_eq *a)
{
    p->computing = false;
    if (a->status == SEMEQ_OK && a->id == p->engine_id && semeq_lv2_controls_equal(&a->c, &p->asked))
        semeq_lv2_apply_eq(p, &a->eq);
}

static void answered_load(semeq_lv2 *p, const answer_load *a)
{
    p->loading = false;
    if (a->engine && a->generation != p->generation) {
        request_free(p, a->id);
    } else if (a->engine) {
        uint32_t old = p->engine_id;
        p->engine = a->engine;
        p->engine_id = a->id;
        request_free(p, old);
        p->asked = a->c;
        if (a->status == SEMEQ_OK)
            semeq_lv2_apply_eq(p, &a->eq);
        semeq_lv2_path_slot_write(&p->saved_path, a->engine->path);
        p->notify_model = true;
    }
    if (p->load_waiting) {
        p->load_waiting = false;
        semeq_lv2_request_load(p, p->next_path);
    }
}

static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *body)
{
    semeq_lv2 *p = instance;
    uint32_t type;
    if (size < sizeof type)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&type, body, sizeof type);
    if (type == ANSWER_EQ && size == sizeof(answer_eq))
        answered_eq(p, body);
    else if (type == ANSWER_LOAD && size == sizeof(answer_load))
        answered_load(p, body);
    else
        return LV2_WORKER_ERR_UNKNOWN;
    return LV2_WORKER_SUCCESS;
}

const LV2_Worker_Interface semeq_lv2_worker_interface = {work, work_response, NULL};
