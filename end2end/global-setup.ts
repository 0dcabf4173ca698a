// Waits for the server under test: it may still be migrating or seeding when tests start.
export default async function globalSetup(): Promise<void> {
  const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3400';
  const deadline = Date.now() + 120_000;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseURL}/health`);
      if (response.ok) return;
      lastError = `status ${response.status}`;
    } catch (error) {
      lastError = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`server at ${baseURL} did not answer within 120 s: ${lastError}`);
}
