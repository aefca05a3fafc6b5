package web

import (
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// apiRef is the OpenAPI document flattened for the reference page, which
// is rendered on the server so that it works with no internet.
type apiRef struct {
	Title, Version, Description string
	Groups                      []opGroup
	Schemas                     []schemaDoc
}

type opGroup struct {
	Name string
	Ops  []opDoc
}

type opDoc struct {
	ID, Method, Path, Summary, Description, RequestSchema string
	Params                                                []paramDoc
	Responses                                             []string
}

type paramDoc struct {
	Name, In, Type, Description string
	Required                    bool
}

type schemaDoc struct {
	Name, Description string
	Fields            []fieldDoc
}

type fieldDoc struct {
	Name, Type, Description string
	Required                bool
}

func buildAPIRef(doc *huma.OpenAPI) apiRef {
	ref := apiRef{Title: doc.Info.Title, Version: doc.Info.Version, Description: doc.Info.Description}
	groups := map[string][]opDoc{}
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			d := opDoc{ID: op.OperationID, Method: method, Path: path, Summary: op.Summary, Description: op.Description}
			for _, p := range op.Parameters {
				d.Params = append(d.Params, paramDoc{Name: p.Name, In: p.In, Type: typeOf(p.Schema), Description: p.Description, Required: p.Required})
			}
			if op.RequestBody != nil {
				if mt, ok := op.RequestBody.Content["application/json"]; ok && mt.Schema != nil {
					d.RequestSchema = refName(mt.Schema.Ref)
				}
			}
			for code := range op.Responses {
				d.Responses = append(d.Responses, code)
			}
			sort.Strings(d.Responses)
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			groups[tag] = append(groups[tag], d)
		}
	}
	for name, ops := range groups {
		sort.Slice(ops, func(i, j int) bool {
			if ops[i].Path != ops[j].Path {
				return ops[i].Path < ops[j].Path
			}
			return ops[i].Method < ops[j].Method
		})
		ref.Groups = append(ref.Groups, opGroup{Name: name, Ops: ops})
	}
	sort.Slice(ref.Groups, func(i, j int) bool { return ref.Groups[i].Name < ref.Groups[j].Name })
	if doc.Components != nil && doc.Components.Schemas != nil {
		for name, s := range doc.Components.Schemas.Map() {
			sd := schemaDoc{Name: name, Description: s.Description}
			required := map[string]bool{}
			for _, r := range s.Required {
				required[r] = true
			}
			for field, fs := range s.Properties {
				if field == "$schema" {
					continue
				}
				sd.Fields = append(sd.Fields, fieldDoc{Name: field, Type: typeOf(fs), Description: fs.Description, Required: required[field]})
			}
			sort.Slice(sd.Fields, func(i, j int) bool { return sd.Fields[i].Name < sd.Fields[j].Name })
			ref.Schemas = append(ref.Schemas, sd)
		}
	}
	sort.Slice(ref.Schemas, func(i, j int) bool { return ref.Schemas[i].Name < ref.Schemas[j].Name })
	return ref
}

func refName(ref string) string { return ref[strings.LastIndexByte(ref, '/')+1:] }

func typeOf(s *huma.Schema) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return refName(s.Ref)
	}
	t := s.Type
	switch {
	case t == "array" && s.Items != nil:
		return typeOf(s.Items) + "[]"
	case len(s.Enum) > 0:
		vals := make([]string, 0, len(s.Enum))
		for _, v := range s.Enum {
			if str, ok := v.(string); ok {
				vals = append(vals, str)
			}
		}
		return t + " (" + strings.Join(vals, ", ") + ")"
	case s.Format != "":
		return t + " (" + s.Format + ")"
	}
	return t
}
