/* The model file as an LV2 patch:Property (urn:semeq:lv2:model, an atom:Path): a host
 * sets it with patch:Set on the control port and asks for it with patch:Get; the plug-in
 * answers, and announces every change, with patch:Set on the notify port. Both atom ports
 * are optional: a host without them (lv2apply) has the bundled model. */
#include <string.h>

#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>

#include "plugin.h"

void semeq_lv2_map_uris(semeq_lv2 *p)
{
    LV2_URID_Map *m = p->map;
    semeq_lv2_uris *u = &p->uris;
    u->atom_Path = m->map(m->handle, LV2_ATOM__Path);
    u->atom_Sequence = m->map(m->handle, LV2_ATOM__Sequence);
    u->atom_URID = m->map(m->handle, LV2_ATOM__URID);
    u->atom_Object = m->map(m->handle, LV2_ATOM__Object);
    u->atom_eventTransfer = m->map(m->handle, LV2_ATOM__eventTransfer);
    u->patch_Get = m->map(m->handle, LV2_PATCH__Get);
    u->patch_Set = m->map(m->handle, LV2_PATCH__Set);
    u->patch_property = m->map(m->handle, LV2_PATCH__property);
    u->patch_value = m->map(m->handle, LV2_PATCH__value);
    u->model = m->map(m->handle, SEMEQ_LV2_URI_MODEL);
}

/* The path a patch:Set of the model carries, or NULL if it is not one (or unusable). */
static const char *set_model_path(const semeq_lv2 *p, const LV2_Atom_Object *obj)
{
    const LV2_Atom *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, p->uris.patch_property, &property, p->uris.patch_value, &value, 0);
    if (!property || property->type != p->uris.atom_URID || ((const LV2_Atom_URID *)property)->body != p->uris.model)
        return NULL;
    if (!value || value->type != p->uris.atom_Path || value->size < 2 || value->size >= SEMEQ_LV2_PATH_MAX)
        return NULL;
    const char *path = LV2_ATOM_BODY_CONST(value);
    return path[value->size - 1] == '\0' && strlen(path) + 1 == value->size ? path : NULL;
}

/* Whether a patch:Get asks for the model (or for every property). */
static bool gets_model(const semeq_lv2 *p, const LV2_Atom_Object *obj)
{
    const LV2_Atom *property = NULL;
    lv2_atom_object_get(obj, p->uris.patch_property, &property, 0);
    return !property ||
        (property->type == p->uris.atom_URID && ((const LV2_Atom_URID *)property)->body == p->uris.model);
}

void semeq_lv2_read_patch(semeq_lv2 *p)
{
    if (!p->control_in)
        return;
    LV2_ATOM_SEQUENCE_FOREACH(p->control_in, ev)
    {
        if (!lv2_atom_forge_is_object_type(&p->forge, ev->body.type))
            continue;
        const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev->body;
        if (obj->body.otype == p->uris.patch_Set) {
            const char *path = set_model_path(p, obj);
            if (path)
                semeq_lv2_request_load(p, path);
        } else if (obj->body.otype == p->uris.patch_Get && gets_model(p, obj)) {
            p->notify_model = true;
        }
    }
}

void semeq_lv2_write_notify(semeq_lv2 *p)
{
    /* The host sets the size of an output sequence to its capacity before run(). */
    if (!p->notify || p->notify->atom.size < sizeof(LV2_Atom_Sequence))
        return;
    LV2_Atom_Forge *f = &p->forge;
    lv2_atom_forge_set_buffer(f, (uint8_t *)p->notify, p->notify->atom.size);
    LV2_Atom_Forge_Frame seq, obj;
    lv2_atom_forge_sequence_head(f, &seq, 0);
    const char *path = p->engine->path;
    size_t room = p->notify->atom.size - sizeof(LV2_Atom_Sequence);
    if (p->notify_model && room >= 128 + strlen(path)) { /* never a message cut short */
        bool ok = lv2_atom_forge_frame_time(f, 0) && lv2_atom_forge_object(f, &obj, 0, p->uris.patch_Set);
        if (ok) {
            ok = lv2_atom_forge_key(f, p->uris.patch_property) && lv2_atom_forge_urid(f, p->uris.model) &&
                lv2_atom_forge_key(f, p->uris.patch_value) && lv2_atom_forge_path(f, path, (uint32_t)strlen(path));
            lv2_atom_forge_pop(f, &obj);
        }
        if (ok)
            p->notify_model = false;
    }
    lv2_atom_forge_pop(f, &seq);
}
