'use client';
import { useCallback, useEffect, useState } from 'react';
import { api, type SessionUser } from './api';

/** The signed-in user (null when none; undefined while loading) and a way to refresh it. */
export function useSession(): { user: SessionUser | null | undefined; refresh: () => Promise<void> } {
  const [user, setUser] = useState<SessionUser | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    const { user } = await api.session();
    setUser(user);
  }, []);
  useEffect(() => {
    refresh().catch(() => setUser(null));
  }, [refresh]);
  return { user, refresh };
}
