// Shapes of the resources the sandbox serves, in the field names assumed for expereoOne API V2.

export interface Account {
  accountId: string;
  name: string;
  legalName: string;
}

export interface Site {
  siteId: string;
  accountId: string;
  name: string;
  city: string;
  country: string;
}

export interface Service {
  serviceId: string;
  accountId: string;
  siteId: string;
  serviceName: string;
  status: string;
  plannedDeliveryDate: string;
  readyForServiceDate: string | null;
}

export interface Case {
  caseId: string;
  accountId: string;
  subject: string;
  type: string;
  priority: string;
  status: string;
  serviceId: string;
  siteId: string | null;
  customerReference: string | null;
  origin: string;
  startOfIncident: string | null;
  description: string;
  createdDate: string;
  lastModifiedDate: string;
}

export interface CaseMessage {
  caseMessageId: string;
  message: string;
  type: 'Customer' | 'Support';
  sentBy: string;
  timestamp: string;
}

export interface Invoice {
  invoiceId: string;
  accountId: string;
  invoiceDate: string;
  dueDate: string;
  currency: string;
  totalAmount: number;
  status: string;
}

export interface InvoiceLine {
  invoiceLineId: string;
  invoiceId: string;
  serviceId: string;
  description: string;
  quantity: number;
  unitPrice: number;
  amount: number;
  periodStart: string;
  periodEnd: string;
}

export interface ApiClientView {
  apiClientId: string;
  name: string;
  scopes: string[];
}
