package main

import (
	"fmt"
	"os"
)

const passwordEnv = "DB_PASSWORD"
const tokenHeader = "Authorization"

func main() {
	token := os.Getenv("GITHUB_TOKEN")
	password := os.Getenv(passwordEnv)
	secret := mustSecret("app/secret")
	req.Header.Set(tokenHeader, "Bearer "+token)
	req.Header.Set("PRIVATE-TOKEN", os.Getenv("GITLAB_TOKEN"))
	req.SetBasicAuth("user", password)
	commit := "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	fmt.Println(secret, commit)
}
