import { RequireSecureContext } from '@/client/components/SecureContextNotice';
import { EnrollView } from '@/client/enroll/EnrollView';

export default function EnrollPage() {
  return (
    <RequireSecureContext what="enrollment">
      <EnrollView />
    </RequireSecureContext>
  );
}
