package checks

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// fieldProblem is one place where an object does not fit its schema. Path
// uses SourceOf's syntax so that the finding points at the field's line.
type fieldProblem struct {
	Path []string
	Msg  string
}

// displayPath is how messages name a field: spec.containers[name=app].image.
func displayPath(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		if i > 0 && !strings.HasPrefix(seg, "[") {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// maxProblems bounds what one object reports: a badly broken object
// needs a few pointers, not hundreds of findings. Validation collects up
// to collectProblems, sorts them by path and keeps the first maxProblems,
// so that what is reported does not depend on map order.
const (
	maxProblems     = 10
	collectProblems = 50
)

// typeKind is how the validator treats a Go type of k8s.io/api.
type typeKind int

const (
	tkAny typeKind = iota
	tkStruct
	tkMap
	tkSlice
	tkBytes
	tkString
	tkInt
	tkFloat
	tkBool
	tkQuantity
	tkIntOrString
	tkTime
	tkDuration
	tkUnmarshaler
)

// typeShape is the validator's view of a Go type, built once per type.
type typeShape struct {
	kind   typeKind
	goType reflect.Type
	fields map[string]*typeShape // tkStruct: JSON name → shape
	elem   *typeShape            // tkMap, tkSlice
	bits   int                   // tkInt: 32 or 64
	enum   []string              // tkString: the allowed values, nil when open
}

var (
	quantityType    = reflect.TypeOf(resource.Quantity{})
	intOrStringType = reflect.TypeOf(intstr.IntOrString{})
	timeType        = reflect.TypeOf(metav1.Time{})
	microTimeType   = reflect.TypeOf(metav1.MicroTime{})
	durationType    = reflect.TypeOf(metav1.Duration{})
	rawType         = reflect.TypeOf(runtime.RawExtension{})
	fieldsV1Type    = reflect.TypeOf(metav1.FieldsV1{})
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// shapes caches typeShape by reflect.Type; shapes are read-only once
// built. shapeMu serializes building.
var (
	shapes  sync.Map
	shapeMu sync.Mutex
)

func shapeOf(t reflect.Type) *typeShape {
	if s, ok := shapes.Load(t); ok {
		return s.(*typeShape)
	}
	shapeMu.Lock()
	defer shapeMu.Unlock()
	s := buildShape(t, map[reflect.Type]*typeShape{})
	actual, _ := shapes.LoadOrStore(t, s)
	return actual.(*typeShape)
}

// buildShape builds t's shape; building tracks the shapes under
// construction so that recursive types terminate.
func buildShape(t reflect.Type, building map[reflect.Type]*typeShape) *typeShape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := building[t]; ok {
		return s
	}
	if s, ok := shapes.Load(t); ok {
		return s.(*typeShape)
	}
	s := &typeShape{goType: t}
	building[t] = s
	switch {
	case t == quantityType:
		s.kind = tkQuantity
	case t == intOrStringType:
		s.kind = tkIntOrString
	case t == timeType || t == microTimeType:
		s.kind = tkTime
	case t == durationType:
		s.kind = tkDuration
	case t == rawType || t == fieldsV1Type:
		s.kind = tkAny
	case reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType):
		s.kind = tkUnmarshaler
	default:
		switch t.Kind() {
		case reflect.Struct:
			s.kind = tkStruct
			s.fields = map[string]*typeShape{}
			addFields(s.fields, t, building)
		case reflect.Map:
			s.kind = tkMap
			s.elem = buildShape(t.Elem(), building)
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 {
				s.kind = tkBytes
				break
			}
			s.kind = tkSlice
			s.elem = buildShape(t.Elem(), building)
		case reflect.String:
			s.kind = tkString
			s.enum = enumValues[t]
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			s.kind = tkInt
			s.bits = t.Bits()
		case reflect.Float32, reflect.Float64:
			s.kind = tkFloat
		case reflect.Bool:
			s.kind = tkBool
		default:
			s.kind = tkAny
		}
	}
	return s
}

// addFields adds t's JSON fields, following encoding/json: embedded
// structs without a name and ",inline" fields contribute their fields.
func addFields(out map[string]*typeShape, t reflect.Type, building map[reflect.Type]*typeShape) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if (f.Anonymous && name == "") || strings.Contains(","+opts+",", ",inline,") {
			if ft.Kind() == reflect.Struct {
				addFields(out, ft, building)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = buildShape(f.Type, building)
	}
}

// builtinTypes maps the kinds of k8s.io/api to their Go types.
var builtinTypes = sync.OnceValue(func() map[schema.GroupVersionKind]reflect.Type {
	s := runtime.NewScheme()
	for _, add := range schemeAdders {
		if err := add(s); err != nil {
			continue // a group that cannot register is a group we skip
		}
	}
	return s.AllKnownTypes()
})

// builtinShape returns the shape of a built-in kind, nil when the apiVersion
// and kind name no type of k8s.io/api.
func builtinShape(apiVersion, kind string) *typeShape {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil
	}
	t, ok := builtinTypes()[gv.WithKind(kind)]
	if !ok || strings.HasSuffix(kind, "List") || strings.HasSuffix(kind, "Options") {
		return nil
	}
	return shapeOf(t)
}

// validateShape walks v against s, appending problems until
// collectProblems. path is a stack shared down the walk (children append
// to it, siblings reuse the slot): a problem copies it.
func validateShape(v any, s *typeShape, path []string, out *[]fieldProblem) {
	if len(*out) >= collectProblems || v == nil {
		return
	}
	bad := func(format string, args ...any) {
		*out = append(*out, fieldProblem{Path: append([]string(nil), path...), Msg: fmt.Sprintf(format, args...)})
	}
	switch s.kind {
	case tkAny:
	case tkStruct:
		m, ok := v.(map[string]any)
		if !ok {
			bad("must be an object, not %s", describeValue(v))
			return
		}
		for k, val := range m {
			fs, ok := s.fields[k]
			if !ok {
				*out = append(*out, fieldProblem{Path: appendPath(path, k), Msg: "unknown field"})
				continue
			}
			validateShape(val, fs, append(path, k), out)
		}
	case tkMap:
		m, ok := v.(map[string]any)
		if !ok {
			bad("must be an object, not %s", describeValue(v))
			return
		}
		for k, val := range m {
			validateShape(val, s.elem, append(path, k), out)
		}
	case tkSlice:
		list, ok := v.([]any)
		if !ok {
			bad("must be a list, not %s", describeValue(v))
			return
		}
		for i, item := range list {
			validateShape(item, s.elem, append(path, indexSegment(i)), out)
		}
	case tkBytes:
		str, ok := v.(string)
		if !ok {
			bad("must be a base64 string, not %s", describeValue(v))
		} else if _, err := base64.StdEncoding.DecodeString(str); err != nil {
			bad("is not valid base64")
		}
	case tkString:
		str, ok := v.(string)
		if !ok {
			bad("must be a string, not %s", describeValue(v))
			return
		}
		if s.enum != nil && str != "" && !containsString(s.enum, str) {
			bad("unsupported value %q: must be %s", str, orList(s.enum))
		}
	case tkInt:
		n, ok := integerValue(v)
		if !ok {
			bad("must be an integer, not %s", describeValue(v))
		} else if s.bits == 32 && (n > math.MaxInt32 || n < math.MinInt32) {
			bad("%d does not fit a 32-bit integer", n)
		}
	case tkFloat:
		if _, ok := numberValue(v); !ok {
			bad("must be a number, not %s", describeValue(v))
		}
	case tkBool:
		if _, ok := v.(bool); !ok {
			bad("must be true or false, not %s", describeValue(v))
		}
	case tkQuantity:
		if str, ok := v.(string); ok {
			if _, err := resource.ParseQuantity(str); err != nil {
				bad("%q is not a quantity (like 500m, 128Mi or 2)", str)
			}
		} else if _, ok := numberValue(v); !ok {
			bad("must be a quantity, not %s", describeValue(v))
		}
	case tkIntOrString:
		if _, ok := v.(string); ok {
			return
		}
		if _, ok := integerValue(v); !ok {
			bad("must be an integer or a string, not %s", describeValue(v))
		}
	case tkTime:
		str, ok := v.(string)
		if !ok {
			bad("must be an RFC 3339 time string, not %s", describeValue(v))
		} else if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
			bad("%q is not an RFC 3339 time", str)
		}
	case tkDuration:
		str, ok := v.(string)
		if !ok {
			bad("must be a duration string like 30s, not %s", describeValue(v))
		} else if _, err := time.ParseDuration(str); err != nil {
			bad("%q is not a duration (like 30s or 5m)", str)
		}
	case tkUnmarshaler:
		b, err := json.Marshal(v)
		if err != nil {
			return
		}
		target := reflect.New(s.goType).Interface().(json.Unmarshaler)
		if err := target.UnmarshalJSON(b); err != nil {
			bad("%s", err)
		}
	}
}

func appendPath(path []string, seg string) []string {
	out := make([]string, len(path)+1)
	copy(out, path)
	out[len(path)] = seg
	return out
}

// indexSegments are the "[i]" path segments of short lists, so that the
// walk allocates none; resolveSelectors turns them into SourceOf's form.
var indexSegments = func() []string {
	out := make([]string, 64)
	for i := range out {
		out[i] = "[" + strconv.Itoa(i) + "]"
	}
	return out
}()

func indexSegment(i int) string {
	if i < len(indexSegments) {
		return indexSegments[i]
	}
	return "[" + strconv.Itoa(i) + "]"
}

// resolveSelectors rewrites the "[i]" segments of a problem's path into
// the selectors SourceOf and the source lines use: "[name=x]" for items
// with a name.
func resolveSelectors(fields map[string]any, path []string) []string {
	var cur any = fields
	for i, seg := range path {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[seg]
		case []any:
			n, err := strconv.Atoi(strings.Trim(seg, "[]"))
			if err != nil || n < 0 || n >= len(c) {
				return path
			}
			path[i] = schemaItemSelector(c[n], n)
			cur = c[n]
		default:
			return path
		}
	}
	return path
}

// schemaItemSelector names a list item the way SourceOf does: by its name when
// it has one, else by index.
func schemaItemSelector(item any, i int) string {
	if m, ok := item.(map[string]any); ok {
		switch n := m["name"].(type) {
		case string:
			if n != "" {
				return "[name=" + n + "]"
			}
		case int, int64, float64, bool:
			return "[name=" + fmt.Sprint(n) + "]"
		}
	}
	return "[" + strconv.Itoa(i) + "]"
}

func integerValue(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case int32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case float64:
		return int64(n), n == math.Trunc(n) && math.Abs(n) < 1<<63
	}
	return 0, false
}

func numberValue(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// describeValue names a value's JSON type, with the value when short.
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) <= 40 {
			return fmt.Sprintf("the string %q", x)
		}
		return "a string"
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if _, ok := numberValue(v); ok {
		return fmt.Sprintf("the number %v", v)
	}
	return fmt.Sprintf("%T", v)
}

func orList(vals []string) string {
	if len(vals) == 1 {
		return vals[0]
	}
	return strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1]
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
