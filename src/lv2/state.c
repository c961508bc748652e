/* State: the model file chosen by the host (nothing for the bundled model, so a session
 * moves with its install). Saved through state:mapPath when the host offers it, so the
 * host can bundle or relocate the file. restore() loads the model right there (it is never
 * called at the same time as run() or work()) and crossfades to the setting it gives for the
 * current controls; a file that cannot be loaded is logged and the bundled model is used. */
#include <stdlib.h>
#include <string.h>

#include <lv2/core/lv2_util.h>

#include "plugin.h"

static void free_path(const LV2_Feature *const *features, char *path)
{
    LV2_State_Free_Path *fp = lv2_features_data(features, LV2_STATE__freePath);
    if (fp)
        fp->free_path(fp->handle, path);
    else
        free(path);
}

static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store, LV2_State_Handle handle,
                             uint32_t flags, const LV2_Feature *const *features)
{
    (void)flags;
    semeq_lv2 *p = instance;
    if (!p->map)
        return LV2_STATE_ERR_NO_FEATURE;
    char path[SEMEQ_LV2_PATH_MAX];
    semeq_lv2_path_slot_read(&p->saved_path, path);
    if (!path[0])
        return LV2_STATE_SUCCESS; /* the bundled model */
    LV2_State_Map_Path *map_path = lv2_features_data(features, LV2_STATE__mapPath);
    char *stored = map_path ? map_path->abstract_path(map_path->handle, path) : path;
    if (!stored)
        return LV2_STATE_ERR_UNKNOWN;
    LV2_State_Status st = store(handle, p->uris.model, stored, strlen(stored) + 1, p->uris.atom_Path,
                                LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (map_path)
        free_path(features, stored);
    return st;
}

/* The absolute path of the model the state names, malloc'd; NULL: the bundled model. */
static char *stored_model(semeq_lv2 *p, LV2_State_Retrieve_Function retrieve, LV2_State_Handle handle,
                          const LV2_Feature *const *features)
{
    size_t size = 0;
    uint32_t type = 0, flags = 0;
    const char *value = retrieve(handle, p->uris.model, &size, &type, &flags);
    if (!value || type != p->uris.atom_Path || size < 2 || value[size - 1] != '\0')
        return NULL;
    LV2_State_Map_Path *map_path = lv2_features_data(features, LV2_STATE__mapPath);
    if (!map_path)
        return strdup(value);
    char *absolute = map_path->absolute_path(map_path->handle, value);
    char *copy = absolute ? strdup(absolute) : NULL;
    if (absolute)
        free_path(features, absolute);
    return copy;
}

static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve, LV2_State_Handle handle,
                                uint32_t flags, const LV2_Feature *const *features)
{
    (void)flags;
    semeq_lv2 *p = instance;
    if (!p->map)
        return LV2_STATE_ERR_NO_FEATURE;
    char *path = stored_model(p, retrieve, handle, features);
    bool same = path ? !p->engine->is_default && strcmp(path, p->engine->path) == 0 : p->engine->is_default;
    if (!same) {
        p->generation++; /* loads asked before are dropped when they answer */
        p->load_waiting = false;
        if (!path || !semeq_lv2_load_now(p, path, false))
            semeq_lv2_load_now(p, p->bundle_path, true);
        semeq_lv2_controls c = semeq_lv2_read_controls(p, p->engine);
        semeq_eq eq;
        if (semeq_lv2_engine_eq(p->engine, ENGINE_HOST, &c, &eq) == SEMEQ_OK)
            semeq_lv2_apply_eq(p, &eq);
        p->asked = c;
    }
    free(path);
    return LV2_STATE_SUCCESS;
}

const LV2_State_Interface semeq_lv2_state_interface = {save, restore};
