package render

import (
	"context"
	"testing"
)

func TestRender_rootAndFileNames(t *testing.T) {
	cm := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
	tests := map[string]struct {
		files map[string][]byte
		dir   string
	}{
		"treeRoot":          {map[string][]byte{"kustomization.yaml": []byte("resources: [cm.yaml]\n"), "cm.yaml": cm}, "."},
		"capitalizedName":   {map[string][]byte{"app/Kustomization": []byte("resources: [cm.yaml]\n"), "app/cm.yaml": cm}, "app"},
		"ymlExtension":      {map[string][]byte{"app/kustomization.yml": []byte("resources: [cm.yaml]\n"), "app/cm.yaml": cm}, "app/"},
		"userBuildMetadata": {map[string][]byte{"app/kustomization.yaml": []byte("buildMetadata: [managedByLabel]\nresources: [cm.yaml]\n"), "app/cm.yaml": cm}, "app"},
		"inlineSMPOneLine":  {map[string][]byte{"app/kustomization.yaml": []byte("resources: [cm.yaml]\npatchesStrategicMerge:\n- '{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"cm\"}, \"data\": {\"a\": \"b\"}}'\n"), "app/cm.yaml": cm}, "app"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tree, err := FromFiles(tt.files, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			objs, err := tree.Render(context.Background(), tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 1 || objs[0].ID.Name != "cm" || objs[0].Source.Line != 1 {
				t.Errorf("got %+v", objs)
			}
		})
	}
}
