// Sign-in: the token goes once to /ui/sign-in, which answers with the session cookie.

const form = document.getElementById("signin");
const error = document.getElementById("signin-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.hidden = true;
  const token = document.getElementById("token").value.trim();
  let response;
  try {
    response = await fetch("/ui/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
      credentials: "same-origin",
    });
  } catch {
    error.textContent = "The runtime does not answer. Is it running?";
    error.hidden = false;
    return;
  }
  if (response.ok) {
    location.replace("/");
    return;
  }
  const body = await response.json().catch(() => ({}));
  error.textContent = body.error || `Sign-in failed (HTTP ${response.status})`;
  error.hidden = false;
});
