package githubapi

// CheckName is the check run name the tests create, as the bot names its own.
const CheckName = "kustoguard"
