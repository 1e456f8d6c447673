#!/usr/bin/env python3
"""Extract the subset of Shopify's Admin GraphQL SDL that the sandbox emulator serves.

Usage: scripts/extract_shopify_schema.py ADMIN_SCHEMA.graphql > sandbox/shopify/schema_sdl.cpp

The output is a C++ source embedding an SDL document as a raw string. It holds:
  * the full definitions (without descriptions) of the types the emulator implements; fields the
    emulator does not implement keep their name and return type but lose their arguments and are
    marked `@unimplemented`, so a query selecting them gets a clear error instead of a null;
  * the input types and enums those definitions reference (transitively);
  * a body-less stub (`type X`, with `implements Node` where it applies) for every other type of
    the real schema, so that fragment conditions and variable types naming real Shopify types are
    recognised as such. A body-less definition always means "exists in Shopify, not emulated".
Pure Python (no third-party modules) so that it runs anywhere the repository is checked out.
"""

import re
import sys

IMPLEMENTED = {
    "QueryRoot": {"customer", "customers", "customersCount", "customerByIdentifier", "nodes", "node",
                  "metafieldDefinitions", "metafieldDefinition", "webhookSubscription", "webhookSubscriptions",
                  "webhookSubscriptionsCount", "bulkOperation", "currentBulkOperation", "currentAppInstallation"},
    "Mutation": {"customerCreate", "customerUpdate", "customerSet", "customerDelete",
                 "customerEmailMarketingConsentUpdate", "customerSmsMarketingConsentUpdate",
                 "customerAddressCreate", "customerAddressUpdate", "customerAddressDelete",
                 "customerUpdateDefaultAddress", "tagsAdd", "tagsRemove", "metafieldDefinitionCreate",
                 "webhookSubscriptionCreate", "webhookSubscriptionUpdate", "webhookSubscriptionDelete",
                 "bulkOperationRunQuery", "bulkOperationCancel"},
    "Customer": {"addresses", "addressesV2", "amountSpent", "canDelete", "createdAt", "dataSaleOptOut",
                 "defaultAddress", "defaultEmailAddress", "defaultPhoneNumber", "displayName", "email",
                 "emailMarketingConsent", "firstName", "id", "lastName", "legacyResourceId", "locale",
                 "metafield", "metafields", "multipassIdentifier", "note", "numberOfOrders", "phone",
                 "smsMarketingConsent", "state", "tags", "taxExempt", "taxExemptions", "updatedAt",
                 "validEmailAddress", "verifiedEmail"},
    "MailingAddress": {"address1", "address2", "city", "company", "coordinatesValidated", "country",
                       "countryCode", "countryCodeV2", "firstName", "formatted", "formattedArea", "id",
                       "lastName", "latitude", "longitude", "name", "phone", "province", "provinceCode",
                       "timeZone", "zip"},
    "Metafield": {"createdAt", "id", "key", "namespace", "ownerType", "type", "updatedAt", "value",
                  "legacyResourceId", "compareDigest"},
    "CustomerEmailAddress": {"emailAddress", "marketingOptInLevel", "marketingState",
                             "marketingUnsubscribeUrl", "marketingUpdatedAt", "openTrackingLevel",
                             "openTrackingUrl", "validFormat"},
    "CustomerPhoneNumber": {"marketingCollectedFrom", "marketingOptInLevel", "marketingState",
                            "marketingUpdatedAt", "phoneNumber"},
    "CustomerEmailMarketingConsentState": {"consentUpdatedAt", "marketingOptInLevel", "marketingState"},
    "CustomerSmsMarketingConsentState": {"consentCollectedFrom", "consentUpdatedAt", "marketingOptInLevel",
                                         "marketingState"},
    "CustomerDeletePayload": {"deletedCustomerId", "userErrors"},
    # Metafield definitions: CUSTOMER owner only; constraints and standardTemplate always answer null.
    "MetafieldDefinition": {"access", "capabilities", "constraints", "description", "id", "key", "metafieldsCount",
                            "name", "namespace", "ownerType", "pinnedPosition", "standardTemplate", "type",
                            "useAsCollectionCondition", "validationStatus", "validations"},
    "MetafieldDefinitionType": {"category", "name"},
    "MetafieldCapabilities": {"adminFilterable", "smartCollectionCondition", "uniqueValues"},
    "StandardMetafieldDefinitionTemplate": {"id"},
    # Webhook subscriptions (webhook_subscriptions.cpp) and bulk query operations (bulk_operations.cpp).
    "WebhookSubscription": {"apiVersion", "callbackUrl", "createdAt", "endpoint", "filter", "format", "id",
                            "includeFields", "legacyResourceId", "metafieldNamespaces", "metafields", "name",
                            "topic", "updatedAt", "uri"},
    "AppInstallation": {"accessScopes", "id"},
    "AccessScope": {"description", "handle"},
    "BulkOperation": {"completedAt", "createdAt", "errorCode", "fileSize", "id", "objectCount", "partialDataUrl",
                      "query", "rootObjectCount", "status", "type", "url"},
}
# Object/interface types defined in full (every field kept; unimplemented ones marked).
FULL_TYPES = list(IMPLEMENTED) + [
    "CustomerConnection", "CustomerEdge", "MailingAddressConnection", "MailingAddressEdge",
    "MetafieldConnection", "MetafieldEdge", "PageInfo", "MoneyV2", "Count", "UserError",
    "CustomerSetUserError", "CustomerEmailMarketingConsentUpdateUserError",
    "CustomerSmsMarketingConsentError", "CustomerCreatePayload", "CustomerUpdatePayload",
    "CustomerSetPayload", "CustomerEmailMarketingConsentUpdatePayload",
    "CustomerSmsMarketingConsentUpdatePayload", "Node", "DisplayableError",
    "CustomerAddressCreatePayload", "CustomerAddressUpdatePayload", "CustomerAddressDeletePayload",
    "CustomerUpdateDefaultAddressPayload", "TagsAddPayload", "TagsRemovePayload",
    "MetafieldDefinitionCreatePayload", "MetafieldDefinitionCreateUserError", "MetafieldDefinitionConnection",
    "MetafieldDefinitionEdge", "MetafieldCapabilityUniqueValues", "MetafieldCapabilityAdminFilterable",
    "MetafieldCapabilitySmartCollectionCondition", "MetafieldAccess", "MetafieldDefinitionValidation",
    "MetafieldDefinitionConstraints", "MetafieldDefinitionConstraintValueConnection",
    "MetafieldDefinitionConstraintValueEdge", "MetafieldDefinitionConstraintValue",
    "WebhookSubscriptionConnection", "WebhookSubscriptionEdge", "WebhookSubscriptionCreatePayload",
    "WebhookSubscriptionUpdatePayload", "WebhookSubscriptionDeletePayload", "WebhookSubscriptionEndpoint",
    "WebhookHttpEndpoint", "WebhookPubSubEndpoint", "WebhookEventBridgeEndpoint",
    "WebhookSubscriptionMetafieldIdentifier", "ApiVersion", "BulkOperationRunQueryPayload",
    "BulkOperationCancelPayload", "BulkOperationUserError",
]
BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def tokenize(text):
    """Yields (kind, value) with descriptions and comments dropped."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n,\ufeff":
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith('"""', i):
            j = i + 3
            while not text.startswith('"""', j) or text[j - 1] == "\\":
                j += 1
            yield ("string", text[i:j + 3])
            i = j + 3
        elif c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            yield ("string", text[i:j + 1])
            i = j + 1
        elif text.startswith("...", i):
            yield ("punct", "...")
            i += 3
        elif c in "!$&()[]{}:=@|":
            yield ("punct", c)
            i += 1
        else:
            m = re.compile(r"-?[_A-Za-z0-9.+-]+").match(text, i)
            if not m:
                raise SystemExit(f"unexpected character {c!r} at {i}")
            yield ("name", m.group(0))
            i = m.end()


class Parser:
    def __init__(self, text):
        self.toks = list(tokenize(text))
        self.pos = 0

    def peek(self, k=0):
        return self.toks[self.pos + k] if self.pos + k < len(self.toks) else (None, None)

    def take(self):
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def skip_descriptions(self):
        while self.peek()[0] == "string":
            self.take()

    def type_ref(self):
        k, v = self.take()
        if v == "[":
            inner = self.type_ref()
            self.take()  # ]
            out = "[" + inner + "]"
        else:
            out = v
        if self.peek()[1] == "!":
            self.take()
            out += "!"
        return out

    def value(self):
        k, v = self.take()
        if v in ("[", "{"):
            close = "]" if v == "[" else "}"
            parts = []
            while self.peek()[1] != close:
                if v == "{":
                    name = self.take()[1]
                    self.take()  # :
                    parts.append(name + ": " + self.value())
                else:
                    parts.append(self.value())
            self.take()
            return v + ", ".join(parts) + close
        return v

    def directives(self):
        out = []
        while self.peek()[1] == "@":
            self.take()
            name = self.take()[1]
            args = []
            if self.peek()[1] == "(":
                self.take()
                while self.peek()[1] != ")":
                    an = self.take()[1]
                    self.take()
                    args.append(an + ": " + self.value())
                self.take()
            out.append("@" + name + ("(" + ", ".join(args) + ")" if args else ""))
        return out

    def arguments(self):
        args = []
        if self.peek()[1] != "(":
            return args
        self.take()
        while self.peek()[1] != ")":
            self.skip_descriptions()
            name = self.take()[1]
            self.take()  # :
            t = self.type_ref()
            default = None
            if self.peek()[1] == "=":
                self.take()
                default = self.value()
            dirs = self.directives()
            args.append((name, t, default, dirs))
            self.skip_descriptions()
        self.take()
        return args

    def definitions(self):
        defs = {}
        order = []
        while self.pos < len(self.toks):
            self.skip_descriptions()
            k, kw = self.take()
            if kw == "schema":
                while self.take()[1] != "}":
                    pass
                continue
            if kw in ("extend",):
                raise SystemExit("extensions are not expected in the introspected schema")
            if kw == "directive":
                self.take()  # @
            name = self.take()[1]
            d = {"kind": kw, "name": name, "implements": [], "fields": [], "values": [], "members": []}
            if kw == "directive":
                self.arguments()
                while self.peek()[0] == "name" and self.peek()[1] not in ("type", "input", "enum", "scalar",
                                                                             "interface", "union", "directive",
                                                                             "schema"):
                    self.take()
                    if self.peek()[1] == "|":
                        self.take()
                continue
            if self.peek()[1] == "implements":
                self.take()
                while self.peek()[0] == "name" or self.peek()[1] == "&":
                    t = self.take()[1]
                    if t != "&":
                        d["implements"].append(t)
            d["directives"] = self.directives()
            if kw == "union" and self.peek()[1] == "=":
                self.take()
                while self.peek()[0] == "name" or self.peek()[1] == "|":
                    t = self.take()[1]
                    if t != "|":
                        d["members"].append(t)
            elif self.peek()[1] == "{":
                self.take()
                while self.peek()[1] != "}":
                    self.skip_descriptions()
                    fname = self.take()[1]
                    if kw == "enum":
                        d["values"].append((fname, self.directives()))
                        continue
                    args = self.arguments()
                    self.take()  # :
                    t = self.type_ref()
                    default = None
                    if self.peek()[1] == "=":
                        self.take()
                        default = self.value()
                    d["fields"].append((fname, args, t, default, self.directives()))
                    self.skip_descriptions()
                self.take()
            defs[name] = d
            order.append(name)
        return defs, order


def named(t):
    return t.strip("[]!").replace("[", "").replace("]", "").replace("!", "")


def deprecated_only(dirs):
    return [x for x in dirs if x.startswith("@deprecated")]


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    defs, order = Parser(text).definitions()

    full = set(FULL_TYPES)
    referenced = set()
    for tname in FULL_TYPES:
        d = defs[tname]
        impl = IMPLEMENTED.get(tname)
        for fname, args, t, _, _ in d["fields"]:
            if impl is not None and fname not in impl:
                continue
            referenced.add(named(t))
            for _, at, _, _ in args:
                referenced.add(named(at))
    # Input types and enums are pulled in transitively; object types only when listed above.
    pending = [r for r in referenced if r not in full]
    while pending:
        r = pending.pop()
        if r in full or r in BUILTIN_SCALARS:
            continue
        kind = defs[r]["kind"]
        if kind in ("input", "enum", "scalar"):
            full.add(r)
            for _, _, t, _, _ in defs[r]["fields"]:
                if named(t) not in full:
                    pending.append(named(t))

    node_impl = {n for n in order if "Node" in defs[n]["implements"]}
    out = []
    for name in order:
        d = defs[name]
        if d["kind"] == "directive":
            continue
        if name in full:
            out.append(render_full(d, IMPLEMENTED.get(name)))
        elif name not in BUILTIN_SCALARS:
            out.append(render_stub(d, name in node_impl))
    sdl = "schema { query: QueryRoot mutation: Mutation }\n" + "\n".join(out) + "\n"

    print("// Generated by scripts/extract_shopify_schema.py from Shopify's Admin GraphQL schema 2026-07.")
    print("// Do not edit by hand; re-run the script instead.")
    print('#include "sandbox/shopify/schema.hpp"')
    print()
    print("namespace crmsync::sandbox::shopify {")
    print()
    print("// Split in chunks: compilers limit the length of a single string literal.")
    print("const std::vector<std::string_view>& embedded_sdl_chunks()")
    print("{")
    print("    static const std::vector<std::string_view> chunks{")
    chunk = []
    size = 0
    for line in sdl.splitlines(keepends=True):
        chunk.append(line)
        size += len(line)
        if size > 12000:
            print('        R"sdl(' + "".join(chunk) + ')sdl",')
            chunk, size = [], 0
    if chunk:
        print('        R"sdl(' + "".join(chunk) + ')sdl",')
    print("    };")
    print("    return chunks;")
    print("}")
    print()
    print("} // namespace crmsync::sandbox::shopify")


def render_args(args):
    if not args:
        return ""
    parts = []
    for name, t, default, dirs in args:
        parts.append(name + ": " + t + (" = " + default if default is not None else ""))
    return "(" + ", ".join(parts) + ")"


def render_full(d, implemented):
    kind = d["kind"]
    head = kind + " " + d["name"]
    if d["implements"]:
        head += " implements " + " & ".join(d["implements"])
    if kind == "scalar":
        return head
    if kind == "union":
        return head + " = " + " | ".join(d["members"])
    lines = [head + " {"]
    if kind == "enum":
        for v, dirs in d["values"]:
            lines.append("  " + v + "".join(" " + x for x in deprecated_only(dirs)))
    else:
        for fname, args, t, default, dirs in d["fields"]:
            if implemented is not None and fname not in implemented:
                lines.append("  " + fname + ": " + named(t) + " @unimplemented")
                continue
            line = "  " + fname + render_args(args) + ": " + t
            if default is not None:
                line += " = " + default
            line += "".join(" " + x for x in deprecated_only(dirs))
            lines.append(line)
    lines.append("}")
    return "\n".join(lines)


def render_stub(d, implements_node):
    kind = d["kind"]
    if kind == "scalar":
        return "scalar " + d["name"]
    head = kind + " " + d["name"]
    if kind == "type" and implements_node:
        head += " implements Node"
    return head


if __name__ == "__main__":
    main()
