package bot

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The payload shapes below hold only what the bot reads, so that go-github
// stays inside package githubapi.

type hookRepo struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Owner    struct {
		Login string `json:"login"`
	} `json:"owner"`
}

type hookUser struct {
	Login string `json:"login"`
}

type hookPR struct {
	Number int    `json:"number"`
	State  string `json:"state"`
	Head   struct {
		SHA string `json:"sha"`
	} `json:"head"`
	Base struct {
		Ref  string    `json:"ref"`
		Repo *hookRepo `json:"repo"`
	} `json:"base"`
}

type hookApp struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

type hookCommon struct {
	Action       string    `json:"action"`
	Repository   *hookRepo `json:"repository"`
	Installation *struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	Sender hookUser `json:"sender"`
}

type pullRequestEvent struct {
	hookCommon
	Number      int     `json:"number"`
	PullRequest *hookPR `json:"pull_request"`
	Changes     *struct {
		Base *json.RawMessage `json:"base"`
	} `json:"changes"`
}

type reviewEvent struct {
	hookCommon
	PullRequest *hookPR `json:"pull_request"`
	Review      *struct {
		ID       int64    `json:"id"`
		State    string   `json:"state"`
		CommitID string   `json:"commit_id"`
		User     hookUser `json:"user"`
	} `json:"review"`
}

type checkRunEvent struct {
	hookCommon
	CheckRun *struct {
		Name         string   `json:"name"`
		HeadSHA      string   `json:"head_sha"`
		App          hookApp  `json:"app"`
		PullRequests []hookPR `json:"pull_requests"`
	} `json:"check_run"`
	RequestedAction *struct {
		Identifier string `json:"identifier"`
	} `json:"requested_action"`
}

type checkSuiteEvent struct {
	hookCommon
	CheckSuite *struct {
		HeadSHA      string   `json:"head_sha"`
		App          hookApp  `json:"app"`
		PullRequests []hookPR `json:"pull_requests"`
	} `json:"check_suite"`
}

// HandledEvents are the webhook events the App subscribes to (app.yml's
// default_events); every other event is acknowledged and ignored.
var HandledEvents = []string{"pull_request", "pull_request_review", "check_run", "check_suite"}

// parseEvent turns a verified delivery into jobs. No jobs and a reason
// means the delivery is ignored; an error means the payload is malformed.
func parseEvent(event, delivery string, body []byte, appID int64) ([]Job, string, error) {
	switch event {
	case "pull_request":
		var ev pullRequestEvent
		if err := decode(body, &ev); err != nil {
			return nil, "", err
		}
		return pullRequestJobs(ev, delivery)
	case "pull_request_review":
		var ev reviewEvent
		if err := decode(body, &ev); err != nil {
			return nil, "", err
		}
		return reviewJobs(ev, delivery)
	case "check_run":
		var ev checkRunEvent
		if err := decode(body, &ev); err != nil {
			return nil, "", err
		}
		return checkRunJobs(ev, delivery, appID)
	case "check_suite":
		var ev checkSuiteEvent
		if err := decode(body, &ev); err != nil {
			return nil, "", err
		}
		return checkSuiteJobs(ev, delivery, appID)
	}
	// Still a JSON check, so that garbage is a 400 whatever the event.
	if !json.Valid(body) {
		return nil, "", fmt.Errorf("decoding %s payload: invalid JSON", event)
	}
	return nil, "event " + event + " not handled", nil
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decoding payload: %w", err)
	}
	return nil
}

// base builds the repository part of a job, or an error for a payload
// without repository or installation.
func (c hookCommon) base(event, delivery string) (Job, error) {
	if c.Repository == nil || c.Repository.Name == "" || c.Repository.Owner.Login == "" {
		return Job{}, fmt.Errorf("decoding %s payload: no repository", event)
	}
	if c.Installation == nil || c.Installation.ID == 0 {
		return Job{}, fmt.Errorf("decoding %s payload: no installation", event)
	}
	return Job{
		Repo: Repo{
			Owner:          c.Repository.Owner.Login,
			Name:           c.Repository.Name,
			InstallationID: c.Installation.ID,
		},
		Event:      event,
		Action:     c.Action,
		DeliveryID: delivery,
		Sender:     c.Sender.Login,
	}, nil
}

func pullRequestJobs(ev pullRequestEvent, delivery string) ([]Job, string, error) {
	switch ev.Action {
	case "opened", "synchronize", "reopened", "ready_for_review":
	case "edited":
		// Only a new base branch changes what merging would do.
		if ev.Changes == nil || ev.Changes.Base == nil {
			return nil, "pull_request edited without a base change", nil
		}
	default:
		return nil, "pull_request action " + ev.Action + " not handled", nil
	}
	if ev.PullRequest == nil {
		return nil, "", fmt.Errorf("decoding pull_request payload: no pull_request")
	}
	if ev.PullRequest.State == "closed" {
		return nil, "pull request closed", nil
	}
	j, err := ev.base("pull_request", delivery)
	if err != nil {
		return nil, "", err
	}
	j.Number = ev.PullRequest.Number
	if j.Number == 0 {
		j.Number = ev.Number
	}
	j.HeadSHA = ev.PullRequest.Head.SHA
	return []Job{j}, "", nil
}

func reviewJobs(ev reviewEvent, delivery string) ([]Job, string, error) {
	if ev.Action != "submitted" && ev.Action != "dismissed" {
		return nil, "pull_request_review action " + ev.Action + " not handled", nil
	}
	if ev.PullRequest == nil || ev.Review == nil {
		return nil, "", fmt.Errorf("decoding pull_request_review payload: no pull_request or review")
	}
	if ev.PullRequest.State == "closed" {
		return nil, "pull request closed", nil
	}
	j, err := ev.base("pull_request_review", delivery)
	if err != nil {
		return nil, "", err
	}
	j.Number = ev.PullRequest.Number
	j.HeadSHA = ev.PullRequest.Head.SHA
	j.ReviewID = ev.Review.ID
	// Webhooks spell states in lower case, the REST API in upper case (as
	// PRReview does); the job speaks the API's.
	j.ReviewState = strings.ToUpper(ev.Review.State)
	return []Job{j}, "", nil
}

func checkRunJobs(ev checkRunEvent, delivery string, appID int64) ([]Job, string, error) {
	if ev.Action != "rerequested" && ev.Action != "requested_action" {
		return nil, "check_run action " + ev.Action + " not handled", nil
	}
	if ev.CheckRun == nil {
		return nil, "", fmt.Errorf("decoding check_run payload: no check_run")
	}
	if !ours(ev.CheckRun.App.ID, appID) && ev.CheckRun.Name != CheckName {
		return nil, "check run of another app", nil
	}
	tmpl, err := ev.base("check_run", delivery)
	if err != nil {
		return nil, "", err
	}
	if ev.Action == "requested_action" {
		if ev.RequestedAction == nil || ev.RequestedAction.Identifier == "" {
			return nil, "", fmt.Errorf("decoding check_run payload: requested_action without identifier")
		}
		tmpl.RequestedAction = ev.RequestedAction.Identifier
	}
	return prJobs(tmpl, ev.Repository, ev.CheckRun.HeadSHA, ev.CheckRun.PullRequests)
}

func checkSuiteJobs(ev checkSuiteEvent, delivery string, appID int64) ([]Job, string, error) {
	if ev.Action != "rerequested" {
		return nil, "check_suite action " + ev.Action + " not handled", nil
	}
	if ev.CheckSuite == nil {
		return nil, "", fmt.Errorf("decoding check_suite payload: no check_suite")
	}
	if !ours(ev.CheckSuite.App.ID, appID) {
		return nil, "check suite of another app", nil
	}
	tmpl, err := ev.base("check_suite", delivery)
	if err != nil {
		return nil, "", err
	}
	return prJobs(tmpl, ev.Repository, ev.CheckSuite.HeadSHA, ev.CheckSuite.PullRequests)
}

func ours(id, appID int64) bool { return appID != 0 && id == appID }

// prJobs makes one job per pull request of a check run or suite, skipping
// pull requests into other repositories (GitHub lists those of forks that
// share the head commit).
func prJobs(tmpl Job, repo *hookRepo, headSHA string, prs []hookPR) ([]Job, string, error) {
	var jobs []Job
	for _, pr := range prs {
		if pr.Number == 0 {
			continue
		}
		if pr.Base.Repo != nil && repo != nil && pr.Base.Repo.ID != 0 && repo.ID != 0 && pr.Base.Repo.ID != repo.ID {
			continue
		}
		j := tmpl
		j.Number = pr.Number
		j.HeadSHA = pr.Head.SHA
		if j.HeadSHA == "" {
			j.HeadSHA = headSHA
		}
		jobs = append(jobs, j)
	}
	if len(jobs) == 0 {
		return nil, tmpl.Event + " names no pull request of this repository", nil
	}
	return jobs, "", nil
}
