// minio-admin: creates or updates MinIO IAM users, each with its own canned policy, through MinIO's
// admin API (madmin-go). Used by `./studio up` and the tests to give the API and the trainer their own
// credentials limited to the bucket and prefixes they need (docs/security-privileges.md).
//
// Usage: MINIO_ENDPOINT=127.0.0.1:9100 MINIO_ROOT_USER=... MINIO_ROOT_PASSWORD=... minio-admin < spec.json
// spec.json: {"users":[{"accessKey":"...","secretKey":"...","policyName":"...","policy":{...}}]}
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/minio/madmin-go/v3"
)

type user struct {
	AccessKey  string          `json:"accessKey"`
	SecretKey  string          `json:"secretKey"`
	PolicyName string          `json:"policyName"`
	Policy     json.RawMessage `json:"policy"`
}

type spec struct {
	Users []user `json:"users"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "minio-admin: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	endpoint, root, secret := os.Getenv("MINIO_ENDPOINT"), os.Getenv("MINIO_ROOT_USER"), os.Getenv("MINIO_ROOT_PASSWORD")
	if endpoint == "" || root == "" || secret == "" {
		fail("MINIO_ENDPOINT, MINIO_ROOT_USER and MINIO_ROOT_PASSWORD are required")
	}
	var s spec
	if err := json.NewDecoder(os.Stdin).Decode(&s); err != nil {
		fail("bad spec on stdin: %v", err)
	}
	adm, err := madmin.New(endpoint, root, secret, os.Getenv("MINIO_SECURE") == "1")
	if err != nil {
		fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, u := range s.Users {
		if err := adm.AddCannedPolicy(ctx, u.PolicyName, u.Policy); err != nil {
			fail("policy %s: %v", u.PolicyName, err)
		}
		if err := adm.AddUser(ctx, u.AccessKey, u.SecretKey); err != nil { // creates or updates the secret
			fail("user %s: %v", u.AccessKey, err)
		}
		if err := adm.SetPolicy(ctx, u.PolicyName, u.AccessKey, false); err != nil { // replaces its policies
			fail("attach %s to %s: %v", u.PolicyName, u.AccessKey, err)
		}
		fmt.Printf("user %s: policy %s\n", u.AccessKey, u.PolicyName)
	}
}
