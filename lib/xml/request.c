/* SPDX-License-Identifier: MIT */
/*
 * Translation of the captured trees into the decoded document: the
 * context header, the waitset request and a SOAP Fault. Values are
 * passed on exactly as received; the core validates them.
 */
#include <string.h>

#include "decoder.h"

/* ------------------------------------------------------------------ */
/* Node helpers                                                        */

int
wsx_node_in_vocabulary(const waitset_xml_node *parent,
                       const waitset_xml_node *child)
{
  return child->namespace_uri[0] == '\0'
         || strcmp(child->namespace_uri, parent->namespace_uri) == 0;
}

const char *
waitset_xml_node_attr(const waitset_xml_node *node, const char *name)
{
  size_t i;

  if (node == NULL || name == NULL)
    return NULL;
  for (i = 0; i < node->attr_count; i++) {
    if (strcmp(node->attrs[i].name, name) == 0)
      return node->attrs[i].value;
  }
  return NULL;
}

const waitset_xml_node *
waitset_xml_node_child(const waitset_xml_node *node,
                       const waitset_xml_node *after, const char *name)
{
  const waitset_xml_node *child;

  if (node == NULL || name == NULL)
    return NULL;
  child = after != NULL ? after->next_sibling : node->first_child;
  for (; child != NULL; child = child->next_sibling) {
    if (strcmp(child->name, name) == 0)
      return child;
  }
  return NULL;
}

/* Return the first child in the parent's vocabulary with this name. */
static const waitset_xml_node *
own_child(const waitset_xml_node *node, const waitset_xml_node *after,
          const char *name)
{
  const waitset_xml_node *child = waitset_xml_node_child(node, after, name);

  while (child != NULL && !wsx_node_in_vocabulary(node, child))
    child = waitset_xml_node_child(node, child, name);
  return child;
}

/* ------------------------------------------------------------------ */
/* Errors at a node                                                    */

static int
fail_oom(waitset_xml_decoder *dec, const waitset_xml_node *node)
{
  if (node != NULL) {
    dec->error.line = node->line;
    dec->error.column = node->column;
    dec->error.byte_offset = WSX_NODE(node)->offset;
  }
  dec->error.code = WAITSET_ENOMEM;
  dec->error.fault = WAITSET_EFAILURE;
  dec->error.message = "system failure: out of memory";
  dec->error.name = NULL;
  dec->has_error = 1;
  return WAITSET_ENOMEM;
}

static int
fail_at(waitset_xml_decoder *dec, const waitset_xml_node *node, int code,
        int fault, const char *name, const char *prefix, const char *value,
        const char *suffix)
{
  wsx_buf msg;
  int rc;

  dec->error.line = node->line;
  dec->error.column = node->column;
  dec->error.byte_offset = WSX_NODE(node)->offset;
  wsx_buf_init(&msg, &dec->alloc);
  rc = wsx_buf_puts(&msg, prefix);
  if (rc == 0 && value != NULL)
    rc = wsx_buf_quote(&msg, value);
  if (rc == 0 && suffix != NULL)
    rc = wsx_buf_puts(&msg, suffix);
  if (rc != 0) {
    wsx_buf_free(&msg);
    return fail_oom(dec, node);
  }
  return wsx_decoder_fail(dec, code, fault, name, &msg);
}

/* ------------------------------------------------------------------ */
/* Fields                                                              */

/*
 * Read a field written either as an attribute or as a child element with
 * text content. *out is NULL when absent. Like a child element, an
 * attribute counts only when it is unqualified or in the element's own
 * namespace, so o:waitSet in a foreign namespace is ignored. A field
 * given more than once (attribute and element, or two elements) is
 * rejected because which one should win is not defined.
 */
static int
read_field(waitset_xml_decoder *dec, const waitset_xml_node *node,
           const char *name, const char **out)
{
  const char *found = NULL;
  const waitset_xml_node *child;
  size_t count = 0;
  size_t i;

  for (i = 0; i < node->attr_count; i++) {
    const waitset_xml_attr *attr = &node->attrs[i];

    if (strcmp(attr->name, name) != 0
        || (attr->namespace_uri[0] != '\0'
            && strcmp(attr->namespace_uri, node->namespace_uri) != 0))
      continue;
    if (count++ == 0)
      found = node->attrs[i].value;
  }
  for (child = own_child(node, NULL, name); child != NULL;
       child = own_child(node, child, name)) {
    if (count++ == 0)
      found = child->text;
  }
  if (count > 1) {
    wsx_buf prefix;
    int rc;

    wsx_buf_init(&prefix, &dec->alloc);
    if (wsx_buf_printf(&prefix, "invalid request: invalid %s: ", name) != 0) {
      wsx_buf_free(&prefix);
      return fail_oom(dec, node);
    }
    rc = fail_at(dec, node, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
                 name, prefix.data, found,
                 " (the field is given more than once, as attribute and "
                 "element or as two elements)");
    wsx_buf_free(&prefix);
    return rc;
  }
  *out = found;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Context header                                                      */

static int
ascii_equal_nocase_trimmed(const char *s, const char *word)
{
  size_t len;

  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  len = strlen(s);
  while (len > 0
         && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'
             || s[len - 1] == '\n'))
    len--;
  if (len != strlen(word))
    return 0;
  for (; len > 0; len--, s++, word++) {
    char c = *s;

    if (c >= 'A' && c <= 'Z')
      c = (char)(c - 'A' + 'a');
    if (c != *word)
      return 0;
  }
  return 1;
}

static int
is_blank(const char *s)
{
  for (; *s != '\0'; s++) {
    if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
      return 0;
  }
  return 1;
}

/* Find the one child of a context with this name. A repeated child is
 * rejected, because which one should win is not defined. */
static int
context_child(waitset_xml_decoder *dec, const waitset_xml_node *node,
              const char *name, const waitset_xml_node **out)
{
  const waitset_xml_node *first = own_child(node, NULL, name);
  const waitset_xml_node *second;
  wsx_buf prefix;
  int rc;

  *out = first;
  if (first == NULL)
    return 0;
  second = own_child(node, first, name);
  if (second == NULL)
    return 0;
  wsx_buf_init(&prefix, &dec->alloc);
  if (wsx_buf_printf(&prefix, "invalid request: invalid context: <%s> is "
                              "given more than once",
                     name)
      != 0) {
    wsx_buf_free(&prefix);
    return fail_oom(dec, second);
  }
  rc = fail_at(dec, second, WAITSET_EXML_SCHEMA, WAITSET_EINVALID_REQUEST,
               name, prefix.data, NULL, NULL);
  wsx_buf_free(&prefix);
  return rc;
}

static int
build_context(waitset_xml_decoder *dec)
{
  waitset_xml_context *ctx = &dec->context;
  const waitset_xml_node *node = &dec->context_node->pub;
  const waitset_xml_node *child;
  int rc;

  ctx->present = 1;
  ctx->node = node;
  rc = read_field(dec, node, "authToken", &ctx->auth_token);
  if (rc != 0)
    return rc;
  rc = context_child(dec, node, "nosession", &child);
  if (rc != 0)
    return rc;
  if (child != NULL)
    ctx->nosession = 1;
  rc = context_child(dec, node, "session", &child);
  if (rc != 0)
    return rc;
  if (child != NULL) {
    const char *id_attr = waitset_xml_node_attr(child, "id");

    ctx->session = 1;
    ctx->session_ws_id = waitset_xml_node_attr(child, "wsId");
    if (id_attr != NULL && !is_blank(child->text))
      return fail_at(dec, child, WAITSET_EXML_SCHEMA,
                     WAITSET_EINVALID_REQUEST, "session",
                     "invalid request: invalid session: ", id_attr,
                     " (the id is given as attribute and as text)");
    if (id_attr != NULL)
      ctx->session_id = id_attr;
    else if (!is_blank(child->text))
      ctx->session_id = child->text;
  }
  rc = context_child(dec, node, "account", &child);
  if (rc != 0)
    return rc;
  if (child != NULL) {
    ctx->account_by = waitset_xml_node_attr(child, "by");
    ctx->account = child->text;
  }
  rc = context_child(dec, node, "userAgent", &child);
  if (rc != 0)
    return rc;
  if (child != NULL) {
    ctx->user_agent_name = waitset_xml_node_attr(child, "name");
    ctx->user_agent_version = waitset_xml_node_attr(child, "version");
  }
  rc = context_child(dec, node, "format", &child);
  if (rc != 0)
    return rc;
  if (child != NULL) {
    const char *type = NULL;

    /* The type is an attribute or a child element, like a field. */
    rc = read_field(dec, child, "type", &type);
    if (rc != 0)
      return rc;
    if (type != NULL && ascii_equal_nocase_trimmed(type, "js"))
      return fail_at(dec, child, WAITSET_EXML_SCHEMA,
                     WAITSET_EINVALID_REQUEST, "format",
                     "invalid request: invalid format: ", type,
                     " (only XML responses are supported)");
    ctx->format_type = type;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Requests                                                            */

enum { LIST_ADD, LIST_UPDATE, LIST_REMOVE };

/* Return the next <a> child of a list in the list's vocabulary after
 * `after`, or the first one; the same as own_child(list, after, "a")
 * without a strcmp() per child. */
static const waitset_xml_node *
next_account(const waitset_xml_node *list, const waitset_xml_node *after)
{
  const waitset_xml_node *child =
      after != NULL ? after->next_sibling : list->first_child;

  for (; child != NULL; child = child->next_sibling) {
    if (child->name[0] == 'a' && child->name[1] == '\0'
        && (child->namespace_uri == list->namespace_uri
            || wsx_node_in_vocabulary(list, child)))
      return child;
  }
  return NULL;
}

/* Compare a name with a word of a few bytes; inlined, this costs less
 * than a strcmp() call. */
static int
short_name_equals(const char *name, const char *word)
{
  while (*word != '\0' && *name == *word) {
    name++;
    word++;
  }
  return *name == *word;
}

/* Return the slot of an account field in the order read_accounts()
 * reads them (id, name, token, types, folderInterests), or -1. */
static int
account_field_slot(const char *name)
{
  switch (name[0]) {
  case 'i':
    return short_name_equals(name, "id") ? 0 : -1;
  case 'n':
    return short_name_equals(name, "name") ? 1 : -1;
  case 't':
    if (short_name_equals(name, "token"))
      return 2;
    return short_name_equals(name, "types") ? 3 : -1;
  case 'f':
    return strcmp(name, "folderInterests") == 0 ? 4 : -1;
  default:
    return -1;
  }
}

/* Slots of the attribute names of the previous <a>, by attribute index.
 * The decoder shares an attribute name with the previous sibling's name
 * at the same index, so equal pointers mean the same field. */
#define SLOT_CACHE_SIZE 8

typedef struct slot_cache {
  const char *name[SLOT_CACHE_SIZE];
  int slot[SLOT_CACHE_SIZE];
} slot_cache;

/* Fill a spec from the attributes of an <a> without children in one
 * pass, which gives the same values as read_field() for each field.
 * Returns -1 when a field is given twice, so that the caller reads the
 * account with read_field(), which reports the error. */
static int
read_account_attrs(const waitset_xml_node *a, int kind,
                   waitset_account_spec *spec, slot_cache *cache)
{
  const char *values[5] = { NULL, NULL, NULL, NULL, NULL };
  int fields = kind == LIST_REMOVE ? 1 : 5;
  size_t i;

  for (i = 0; i < a->attr_count; i++) {
    const waitset_xml_attr *attr = &a->attrs[i];
    int slot;

    if (attr->namespace_uri[0] != '\0'
        && attr->namespace_uri != a->namespace_uri
        && strcmp(attr->namespace_uri, a->namespace_uri) != 0)
      continue;
    if (i < SLOT_CACHE_SIZE && cache->name[i] == attr->name) {
      slot = cache->slot[i];
    } else {
      slot = account_field_slot(attr->name);
      if (i < SLOT_CACHE_SIZE) {
        cache->name[i] = attr->name;
        cache->slot[i] = slot;
      }
    }
    if (slot < 0 || slot >= fields)
      continue;
    if (values[slot] != NULL)
      return -1;
    values[slot] = attr->value;
  }
  spec->id = values[0];
  spec->name = values[1];
  spec->token = values[2];
  spec->types = values[3];
  spec->folder_interests = values[4];
  return 0;
}

/* Read the fields of one <a>, as attributes or child elements. */
static int
read_account(waitset_xml_decoder *dec, const waitset_xml_node *a, int kind,
             waitset_account_spec *spec, slot_cache *cache)
{
  int rc;

  if (a->child_count == 0 && read_account_attrs(a, kind, spec, cache) == 0)
    return 0;
  memset(spec, 0, sizeof(*spec));
  rc = read_field(dec, a, "id", &spec->id);
  if (rc != 0 || kind == LIST_REMOVE)
    return rc;
  rc = read_field(dec, a, "name", &spec->name);
  if (rc == 0)
    rc = read_field(dec, a, "token", &spec->token);
  if (rc == 0)
    rc = read_field(dec, a, "types", &spec->types);
  if (rc == 0)
    rc = read_field(dec, a, "folderInterests", &spec->folder_interests);
  return rc;
}

/* Read every <a> of every <list_name> child into an arena array. */
static int
read_accounts(waitset_xml_decoder *dec, const waitset_xml_node *command,
              const char *list_name, int kind,
              const waitset_account_spec **out, size_t *out_count)
{
  const waitset_xml_node *list;
  const waitset_xml_node *a;
  waitset_account_spec *specs;
  slot_cache cache;
  size_t count = 0;
  size_t i = 0;
  int rc;

  memset(&cache, 0, sizeof(cache));
  for (list = own_child(command, NULL, list_name); list != NULL;
       list = own_child(command, list, list_name)) {
    for (a = next_account(list, NULL); a != NULL; a = next_account(list, a))
      count++;
  }
  *out = NULL;
  *out_count = 0;
  if (count == 0)
    return 0;
  if (count > dec->opts.max_accounts) {
    wsx_buf msg;

    /* Several <add> lists together can pass the per-list check of the
     * parser; the limit holds for their sum. */
    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_printf(&msg, "invalid request: more than %u accounts in <%s>",
                       (unsigned)dec->opts.max_accounts, list_name)
        != 0) {
      wsx_buf_free(&msg);
      return fail_oom(dec, command);
    }
    dec->error.line = command->line;
    dec->error.column = command->column;
    dec->error.byte_offset = WSX_NODE(command)->offset;
    return wsx_decoder_fail(dec, WAITSET_EXML_LIMIT, WAITSET_EINVALID_REQUEST,
                            list_name, &msg);
  }
  /* read_account() sets every field of each spec. */
  specs = wsx_arena_alloc(&dec->arena, count * sizeof(*specs));
  if (specs == NULL)
    return fail_oom(dec, command);
  for (list = own_child(command, NULL, list_name); list != NULL;
       list = own_child(command, list, list_name)) {
    for (a = next_account(list, NULL); a != NULL;
         a = next_account(list, a), i++) {
      rc = read_account(dec, a, kind, &specs[i], &cache);
      if (rc != 0)
        return rc;
    }
  }
  *out = specs;
  *out_count = count;
  return 0;
}

static int
build_request(waitset_xml_decoder *dec)
{
  waitset_request *req = &dec->request;
  const waitset_xml_node *node = &dec->command_node->pub;
  int rc = 0;

  req->size = sizeof(*req);
  req->admin = dec->command >= WAITSET_XML_CMD_ADMIN_CREATE;
  switch (dec->command) {
  case WAITSET_XML_CMD_CREATE:
  case WAITSET_XML_CMD_ADMIN_CREATE:
    req->op = WAITSET_OP_CREATE;
    rc = read_field(dec, node, "defTypes", &req->def_types);
    if (rc == 0)
      rc = read_field(dec, node, "allAccounts", &req->all_accounts);
    if (rc == 0)
      rc = read_accounts(dec, node, "add", LIST_ADD, &req->add,
                         &req->add_count);
    break;
  case WAITSET_XML_CMD_WAIT:
  case WAITSET_XML_CMD_ADMIN_WAIT:
    req->op = WAITSET_OP_WAIT;
    rc = read_field(dec, node, "waitSet", &req->waitset_id);
    if (rc == 0)
      rc = read_field(dec, node, "seq", &req->seq);
    if (rc == 0)
      rc = read_field(dec, node, "block", &req->block);
    if (rc == 0)
      rc = read_field(dec, node, "timeout", &req->timeout);
    if (rc == 0)
      rc = read_field(dec, node, "expand", &req->expand);
    if (rc == 0)
      rc = read_field(dec, node, "defTypes", &req->def_types);
    if (rc == 0)
      rc = read_accounts(dec, node, "add", LIST_ADD, &req->add,
                         &req->add_count);
    if (rc == 0)
      rc = read_accounts(dec, node, "update", LIST_UPDATE, &req->update,
                         &req->update_count);
    if (rc == 0)
      rc = read_accounts(dec, node, "remove", LIST_REMOVE, &req->remove,
                         &req->remove_count);
    break;
  case WAITSET_XML_CMD_DESTROY:
  case WAITSET_XML_CMD_ADMIN_DESTROY:
    req->op = WAITSET_OP_DESTROY;
    rc = read_field(dec, node, "waitSet", &req->waitset_id);
    break;
  case WAITSET_XML_CMD_QUERY:
    req->op = WAITSET_OP_QUERY;
    rc = read_field(dec, node, "waitSet", &req->waitset_id);
    break;
  default:
    return 0;
  }
  if (rc == 0)
    dec->doc.request = req;
  return rc;
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

/* Return the text of the element at a path of local names below node,
 * or NULL. */
static const char *
text_at(const waitset_xml_node *node, const char *first, const char *second)
{
  const waitset_xml_node *child = waitset_xml_node_child(node, NULL, first);

  if (child != NULL && second != NULL)
    child = waitset_xml_node_child(child, NULL, second);
  return child != NULL ? child->text : NULL;
}

static int
build_fault(waitset_xml_decoder *dec)
{
  waitset_xml_fault *fault = &dec->fault;
  const waitset_xml_node *node = &dec->command_node->pub;
  const waitset_xml_node *detail;
  const waitset_xml_node *error = NULL;
  const waitset_xml_node *a;
  waitset_fault_arg *args;
  size_t count = 0;
  size_t i = 0;

  fault->size = sizeof(*fault);
  if (dec->soap_version == WAITSET_XML_SOAP_11) {
    fault->soap_code = text_at(node, "faultcode", NULL);
    fault->reason = text_at(node, "faultstring", NULL);
    detail = waitset_xml_node_child(node, NULL, "detail");
  } else {
    fault->soap_code = text_at(node, "Code", "Value");
    fault->reason = text_at(node, "Reason", "Text");
    detail = waitset_xml_node_child(node, NULL, "Detail");
  }
  if (detail != NULL)
    error = waitset_xml_node_child(detail, NULL, "Error");
  if (error != NULL) {
    fault->code = text_at(error, "Code", NULL);
    for (a = waitset_xml_node_child(error, NULL, "a"); a != NULL;
         a = waitset_xml_node_child(error, a, "a"))
      count++;
  }
  if (count > 0) {
    args = wsx_arena_alloc(&dec->arena, count * sizeof(*args));
    if (args == NULL)
      return fail_oom(dec, node);
    for (a = waitset_xml_node_child(error, NULL, "a"); a != NULL;
         a = waitset_xml_node_child(error, a, "a"), i++) {
      args[i].name = waitset_xml_node_attr(a, "n");
      args[i].type = waitset_xml_node_attr(a, "t");
      args[i].value = a->text;
    }
    fault->args = args;
    fault->arg_count = count;
  }
  dec->doc.fault = fault;
  return 0;
}

static int
is_fault_element(const waitset_xml_decoder *dec, const waitset_xml_node *node)
{
  const char *ns = dec->soap_version == WAITSET_XML_SOAP_11
                       ? WAITSET_XML_NS_SOAP11
                       : WAITSET_XML_NS_SOAP12;

  return strcmp(node->name, "Fault") == 0
         && strcmp(node->namespace_uri, ns) == 0;
}

int
wsx_decoder_build_document(waitset_xml_decoder *dec)
{
  int rc;

  dec->doc.size = sizeof(dec->doc);
  dec->doc.soap_version = dec->soap_version;
  dec->context.size = sizeof(dec->context);
  dec->doc.context = &dec->context;
  dec->doc.command = dec->command;
  if (dec->command_node == NULL) {
    /* Unreachable: a root element is always captured or rejected, and
     * an envelope without a command fails in the parser. */
    wsx_buf msg;

    wsx_buf_init(&msg, &dec->alloc);
    if (wsx_buf_puts(&msg, "parse error: the document has no command") != 0) {
      wsx_buf_free(&msg);
      return fail_oom(dec, NULL);
    }
    return wsx_decoder_fail(dec, WAITSET_EXML_SCHEMA, WAITSET_EPARSE_ERROR,
                            NULL, &msg);
  }
  dec->doc.command_node = &dec->command_node->pub;
  if (dec->context_node != NULL) {
    rc = build_context(dec);
    if (rc != 0)
      return rc;
  }
  if (dec->command != WAITSET_XML_CMD_OTHER)
    return build_request(dec);
  if (is_fault_element(dec, &dec->command_node->pub))
    return build_fault(dec);
  return 0;
}
