package checks

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	admissionregistrationv1alpha1 "k8s.io/api/admissionregistration/v1alpha1"
	admissionregistrationv1beta1 "k8s.io/api/admissionregistration/v1beta1"
	apiserverinternalv1alpha1 "k8s.io/api/apiserverinternal/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	appsv1beta2 "k8s.io/api/apps/v1beta2"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1alpha1 "k8s.io/api/certificates/v1alpha1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	coordinationv1alpha2 "k8s.io/api/coordination/v1alpha2"
	coordinationv1beta1 "k8s.io/api/coordination/v1beta1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	eventsv1 "k8s.io/api/events/v1"
	eventsv1beta1 "k8s.io/api/events/v1beta1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowcontrolv1beta1 "k8s.io/api/flowcontrol/v1beta1"
	flowcontrolv1beta2 "k8s.io/api/flowcontrol/v1beta2"
	flowcontrolv1beta3 "k8s.io/api/flowcontrol/v1beta3"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	nodev1 "k8s.io/api/node/v1"
	nodev1alpha1 "k8s.io/api/node/v1alpha1"
	nodev1beta1 "k8s.io/api/node/v1beta1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1alpha1 "k8s.io/api/rbac/v1alpha1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	resourcev1 "k8s.io/api/resource/v1"
	resourcev1alpha3 "k8s.io/api/resource/v1alpha3"
	resourcev1beta1 "k8s.io/api/resource/v1beta1"
	resourcev1beta2 "k8s.io/api/resource/v1beta2"
	schedulingv1 "k8s.io/api/scheduling/v1"
	schedulingv1alpha3 "k8s.io/api/scheduling/v1alpha3"
	schedulingv1beta1 "k8s.io/api/scheduling/v1beta1"
	storagev1 "k8s.io/api/storage/v1"
	storagev1alpha1 "k8s.io/api/storage/v1alpha1"
	storagev1beta1 "k8s.io/api/storage/v1beta1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	storagemigrationv1beta1 "k8s.io/api/storagemigration/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// schemeAdders registers the API groups of k8s.io/api whose kinds
// schema-invalid knows. The review and authentication groups (admission,
// authentication, authorization, imagepolicy, apidiscovery) are left out:
// their objects are requests, never deployed.
var schemeAdders = []func(*runtime.Scheme) error{
	admissionregistrationv1.AddToScheme,
	admissionregistrationv1alpha1.AddToScheme,
	admissionregistrationv1beta1.AddToScheme,
	apiserverinternalv1alpha1.AddToScheme,
	appsv1.AddToScheme,
	appsv1beta1.AddToScheme,
	appsv1beta2.AddToScheme,
	autoscalingv1.AddToScheme,
	autoscalingv2.AddToScheme,
	batchv1.AddToScheme,
	batchv1beta1.AddToScheme,
	certificatesv1.AddToScheme,
	certificatesv1alpha1.AddToScheme,
	certificatesv1beta1.AddToScheme,
	coordinationv1.AddToScheme,
	coordinationv1alpha2.AddToScheme,
	coordinationv1beta1.AddToScheme,
	corev1.AddToScheme,
	discoveryv1.AddToScheme,
	discoveryv1beta1.AddToScheme,
	eventsv1.AddToScheme,
	eventsv1beta1.AddToScheme,
	extensionsv1beta1.AddToScheme,
	flowcontrolv1.AddToScheme,
	flowcontrolv1beta1.AddToScheme,
	flowcontrolv1beta2.AddToScheme,
	flowcontrolv1beta3.AddToScheme,
	networkingv1.AddToScheme,
	networkingv1beta1.AddToScheme,
	nodev1.AddToScheme,
	nodev1alpha1.AddToScheme,
	nodev1beta1.AddToScheme,
	policyv1.AddToScheme,
	policyv1beta1.AddToScheme,
	rbacv1.AddToScheme,
	rbacv1alpha1.AddToScheme,
	rbacv1beta1.AddToScheme,
	resourcev1.AddToScheme,
	resourcev1alpha3.AddToScheme,
	resourcev1beta1.AddToScheme,
	resourcev1beta2.AddToScheme,
	schedulingv1.AddToScheme,
	schedulingv1alpha3.AddToScheme,
	schedulingv1beta1.AddToScheme,
	storagev1.AddToScheme,
	storagev1alpha1.AddToScheme,
	storagev1beta1.AddToScheme,
	storagemigrationv1.AddToScheme,
	storagemigrationv1beta1.AddToScheme}

// enumValues are the closed enums of k8s.io/api that schema-invalid
// enforces, keyed by their Go type. Only types whose values the API server
// rejects outside this list are here; the empty string always passes, as
// the server defaults it.
var enumValues = map[reflect.Type][]string{
	reflect.TypeOf(corev1.PullPolicy("")):                    {"Always", "IfNotPresent", "Never"},
	reflect.TypeOf(corev1.RestartPolicy("")):                 {"Always", "OnFailure", "Never"},
	reflect.TypeOf(corev1.ContainerRestartPolicy("")):        {"Always", "OnFailure", "Never"},
	reflect.TypeOf(corev1.ServiceType("")):                   {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"},
	reflect.TypeOf(corev1.Protocol("")):                      {"TCP", "UDP", "SCTP"},
	reflect.TypeOf(corev1.DNSPolicy("")):                     {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"},
	reflect.TypeOf(corev1.ServiceExternalTrafficPolicy("")):  {"Cluster", "Local"},
	reflect.TypeOf(corev1.ServiceInternalTrafficPolicy("")):  {"Cluster", "Local"},
	reflect.TypeOf(corev1.ServiceAffinity("")):               {"ClientIP", "None"},
	reflect.TypeOf(corev1.IPFamilyPolicy("")):                {"SingleStack", "PreferDualStack", "RequireDualStack"},
	reflect.TypeOf(corev1.IPFamily("")):                      {"IPv4", "IPv6"},
	reflect.TypeOf(corev1.TaintEffect("")):                   {"NoSchedule", "PreferNoSchedule", "NoExecute"},
	reflect.TypeOf(corev1.TolerationOperator("")):            {"Exists", "Equal", "Lt", "Gt"},
	reflect.TypeOf(corev1.TerminationMessagePolicy("")):      {"File", "FallbackToLogsOnError"},
	reflect.TypeOf(corev1.PersistentVolumeAccessMode("")):    {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"},
	reflect.TypeOf(corev1.PersistentVolumeReclaimPolicy("")): {"Retain", "Delete", "Recycle"},
	reflect.TypeOf(corev1.URIScheme("")):                     {"HTTP", "HTTPS"},
	reflect.TypeOf(corev1.MountPropagationMode("")):          {"None", "HostToContainer", "Bidirectional"},
	reflect.TypeOf(corev1.SeccompProfileType("")):            {"Unconfined", "RuntimeDefault", "Localhost"},
	reflect.TypeOf(corev1.NodeSelectorOperator("")):          {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"},
	reflect.TypeOf(metav1.LabelSelectorOperator("")):         {"In", "NotIn", "Exists", "DoesNotExist"},
	reflect.TypeOf(appsv1.DeploymentStrategyType("")):        {"Recreate", "RollingUpdate"},
	reflect.TypeOf(appsv1.StatefulSetUpdateStrategyType("")): {"RollingUpdate", "OnDelete"},
	reflect.TypeOf(appsv1.DaemonSetUpdateStrategyType("")):   {"RollingUpdate", "OnDelete"},
	reflect.TypeOf(appsv1.PodManagementPolicyType("")):       {"OrderedReady", "Parallel"},
	reflect.TypeOf(batchv1.ConcurrencyPolicy("")):            {"Allow", "Forbid", "Replace"},
	reflect.TypeOf(networkingv1.PolicyType("")):              {"Ingress", "Egress"},
	reflect.TypeOf(networkingv1.PathType("")):                {"Exact", "Prefix", "ImplementationSpecific"},
	reflect.TypeOf(autoscalingv2.MetricSourceType("")):       {"Object", "Pods", "Resource", "ContainerResource", "External"},
	reflect.TypeOf(autoscalingv2.MetricTargetType("")):       {"Utilization", "Value", "AverageValue"},
}
