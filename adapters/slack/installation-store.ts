import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import {
  deleteChatInstallation,
  fetchChatInstallation,
  storeChatInstallation,
} from '../../src/app/chat-installations.ts';
import type { AppDeps } from '../../src/app/deps.ts';

/** OAuth installations in our database (tokens sealed), keyed by enterprise id for org-wide installs, else team id. */
export function databaseInstallationStore(deps: AppDeps): InstallationStore {
  const keyOf = (q: {
    isEnterpriseInstall?: boolean;
    enterpriseId?: string | undefined;
    teamId?: string | undefined;
  }) => (q.isEnterpriseInstall && q.enterpriseId ? q.enterpriseId : q.teamId);
  return {
    async storeInstallation(installation) {
      const key =
        installation.isEnterpriseInstall && installation.enterprise
          ? installation.enterprise.id
          : installation.team?.id;
      if (!key) throw new Error('An installation without a team or enterprise id cannot be stored.');
      storeChatInstallation(deps, { platform: 'slack', installKey: key, installation });
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const key = keyOf(query);
      const found = key ? fetchChatInstallation<Installation>(deps, { platform: 'slack', installKey: key }) : null;
      if (!found) throw new Error(`DeskBridge is not installed in workspace ${key ?? '(unknown)'}.`);
      return found;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      const key = keyOf(query);
      if (key) deleteChatInstallation(deps, { platform: 'slack', installKey: key });
    },
  };
}
