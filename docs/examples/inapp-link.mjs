// Sign a link that opens the Comptoir support portal, already logged in.
// Node 18 or later, nothing to install. Run: COMPTOIR_SECRET=... node inapp-link.mjs
import { createHmac, randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";

const COMPTOIR_URL = process.env.COMPTOIR_URL ?? "https://support.example.com";
const INTEGRATION = process.env.COMPTOIR_INTEGRATION ?? "my-app"; // the integration's identifier
const SECRET = process.env.COMPTOIR_SECRET; // shown once, when the integration was created

const base64url = (text) => Buffer.from(text).toString("base64url");

export function supportLink({ email, name, orgId, orgName, product, account, next }) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "HS256", typ: "JWT", kid: INTEGRATION };
  const claims = {
    iss: INTEGRATION,
    iat: now,
    exp: now + 120, // two minutes: the link is opened at once
    jti: randomUUID(), // unique: each link works once
    email,
    name,
    org_id: orgId,
    org_name: orgName,
    product, // members left undefined are not sent
    account,
    next,
  };
  const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createHmac("sha256", SECRET).update(unsigned).digest("base64url");
  const token = `${unsigned}.${signature}`;
  return `${COMPTOIR_URL}/integrations/enter/?token=${encodeURIComponent(token)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(
    supportLink({
      email: "marie@lutins.example",
      name: "Marie Martin",
      orgId: "C-1042",
      orgName: "Crèche Les Lutins",
      product: "Planning",
      account: "LUTINS-75",
    }),
  );
}
