/** The jobs' `TemplateRenderer` port on the stored templates and the same EJS rendering the templates endpoint uses. */
import type { TemplateRenderer } from '../actors/workflow/job-services.ts';
import { NotFoundError } from '../errors.ts';
import type { ProfileLibrary } from '../api/southbound/profile-library.ts';
import { renderProfile } from '../api/southbound/render-profile.ts';

export function templateRenderer(templates: ProfileLibrary, apiBase: string): TemplateRenderer {
  const api = { server: apiBase, base: `${apiBase}/api/current`, profiles: `${apiBase}/api/current/profiles`, templates: `${apiBase}/api/current/templates` };
  return {
    async render(name, nodeId, options) {
      const doc = await templates.get(name);
      if (doc === undefined) throw new NotFoundError('template', name);
      return renderProfile(name, doc.contents, { ...options, nodeId: nodeId ?? '', macaddress: '', macaddresses: [], options, api });
    },
  };
}
