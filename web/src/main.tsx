import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app.css';
import './i18n/index.ts';
import { MantineProvider, createTheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ApiError } from './api/client.ts';
import { warmFormatters } from './inbox/format.ts';
import { prefetchInbox } from './inbox/list-query.ts';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Live updates come from the stream (stream.ts invalidates); no refetch storm on focus.
      refetchOnWindowFocus: false,
      staleTime: 30_000,
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
    },
  },
});

// A reload of the inbox asks for the list alongside /auth/me, not after it answered.
prefetchInbox(queryClient);
warmFormatters();

// Darker primary shades than Mantine's default blue keep white text above 4.5:1 contrast.
const theme = createTheme({ primaryColor: 'teal', primaryShade: 9, defaultRadius: 'md' });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
